"""The outside world, built once per process from settings: what routes, states and jobs pass to
services (database runner, TikTok gateways, token cipher). Tests build their own instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import lru_cache
from typing import Literal, TypeVar, overload

from sqlmodel import Session

from archive_app.crypto import TokenCipher
from archive_app.db import session_scope
from archive_app.integrations.tiktok.client import gateway_for
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.integrations.tiktok.protocol import TikTokGateway, V1Gateway, V2Gateway
from archive_app.settings import get_settings

T = TypeVar("T")


async def run_db(work: Callable[[Session], T]) -> T:
    """One short unit of work in a thread, off the event loop that serves the websockets."""

    def run() -> T:
        with session_scope() as session:
            return work(session)

    return await asyncio.to_thread(run)


@overload
def gateway(kind: Literal[Kind.tiktok_v1]) -> V1Gateway: ...
@overload
def gateway(kind: Literal[Kind.tiktok_v2]) -> V2Gateway: ...
@overload
def gateway(kind: Kind) -> TikTokGateway: ...
@lru_cache
def gateway(kind: Kind) -> TikTokGateway:
    """Typed as the capabilities of ``kind`` (``integrations/tiktok/protocol.py``)."""
    return gateway_for(kind, get_settings())


@lru_cache
def cipher() -> TokenCipher:
    return TokenCipher(get_settings().fernet_key())
