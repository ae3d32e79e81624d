"""The outside world, built once per process from settings: what routes, states and jobs pass to
services (database runner, TikTok gateways, token cipher). Tests build their own instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from sqlmodel import Session

from archive_app.crypto import TokenCipher
from archive_app.db import session_scope
from archive_app.integrations.tiktok.client import gateway_for
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.integrations.tiktok.protocol import TikTokGateway
from archive_app.settings import get_settings

T = TypeVar("T")


async def run_db(work: Callable[[Session], T]) -> T:
    """One short unit of work in a thread, off the event loop that serves the websockets."""

    def run() -> T:
        with session_scope() as session:
            return work(session)

    return await asyncio.to_thread(run)


@lru_cache
def gateway(kind: Kind) -> TikTokGateway:
    return gateway_for(kind, get_settings())


@lru_cache
def cipher() -> TokenCipher:
    return TokenCipher(get_settings().fernet_key())
