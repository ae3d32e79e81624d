"""Guarding Reflex's websocket: refuse forged tab tokens, release a closed tab's state.

A tab token is the only key to a tab's state, so a socket whose token the browser would never
make is refused at connect, and when a socket closes for good its tab leaves the registry and
its state is dropped from Reflex's state manager, so a replayed token finds nothing.
The Reflex internals this needs (the event namespace, the state managers) are in
``reflex_internals``.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from socketio.exceptions import ConnectionRefusedError as SocketRefused

from archive_app.live import reflex_internals as rxi
from archive_app.live.bound import Bound, spawn
from archive_app.live.push import tab_is_open
from archive_app.live.registry import is_tab_token

if TYPE_CHECKING:
    from reflex.app import App

log = logging.getLogger("archive_app.live")


def guard_socket(app: App) -> None:
    """Refuse tab tokens the browser would never make; release a tab when its socket closes."""
    rxi.guard_socket_events(app, admit=_admit, closed=_closed)


def _admit(environ: dict[str, Any]) -> None:
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    tokens = query.get("token", [])
    if len(tokens) != 1 or not is_tab_token(tokens[0]):
        log.warning("refused a socket whose tab token is not a browser tab's")
        raise SocketRefused("unknown tab")


def _closed(tab: str, cleanup: Awaitable[Any] | None) -> None:
    spawn(_tab_closed(tab, cleanup))


async def _tab_closed(tab: str, cleanup: Awaitable[Any] | None) -> None:
    if cleanup is not None:
        await cleanup  # Reflex forgets the socket first
    if await tab_is_open(tab):
        return  # the same tab came back (a reload): it keeps its place
    await Bound.registry.remove(tab)
    if Bound.app is not None and Bound.tab_state is not None:
        # Reflex keeps a tab's state after its socket closes (for reconnects) until it
        # expires; a reconnecting tab rehydrates in full and runs its page's on_load again,
        # so nothing is lost by dropping it now.
        await rxi.release_tab_state(Bound.app, tab, Bound.tab_state)
