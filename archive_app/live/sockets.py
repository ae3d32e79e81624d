"""Guarding Reflex's websocket: refuse forged tab tokens, release a closed tab's state.

A tab token is the only key to a tab's state, so a socket whose token the browser would never
make is refused at connect, and when a socket closes for good its tab leaves the registry and
its state is dropped from Reflex's state manager, so a replayed token finds nothing.
This wraps Reflex internals (the event namespace and the state managers; REFLEX.md).
"""

from __future__ import annotations

import asyncio
import logging
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import reflex as rx
from reflex.state import BaseState
from socketio.exceptions import ConnectionRefusedError as SocketRefused

from archive_app.live.bound import Bound, bound_app, spawn
from archive_app.live.push import tab_is_open
from archive_app.live.registry import is_tab_token

log = logging.getLogger("archive_app.live")


def guard_socket(namespace: Any) -> None:
    """Refuse tab tokens the browser would never make; release a tab when its socket closes."""
    connect: Callable[..., Awaitable[Any]] = namespace.on_connect
    disconnect: Callable[..., Any] = namespace.on_disconnect

    async def on_connect(sid: str, environ: dict[str, Any], auth: Any = None) -> Any:
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        tokens = query.get("token", [])
        if len(tokens) != 1 or not is_tab_token(tokens[0]):
            log.warning("refused a socket whose tab token is not a browser tab's")
            raise SocketRefused("unknown tab")
        return await connect(sid, environ, auth)

    def on_disconnect(sid: str, *_reason: Any) -> Any:
        tab = namespace.sid_to_token.get(sid)
        cleanup = disconnect(sid)
        if tab:
            spawn(_tab_closed(tab, cleanup))
        return cleanup

    namespace.on_connect = on_connect
    namespace.on_disconnect = on_disconnect


async def _tab_closed(tab: str, cleanup: Awaitable[Any] | None) -> None:
    if cleanup is not None:
        await cleanup  # Reflex forgets the socket first
    if await tab_is_open(tab):
        return  # the same tab came back (a reload): it keeps its place
    await Bound.registry.remove(tab)
    await _release(tab)


async def _release(tab: str) -> None:
    """Drop a closed tab's state: its memory comes back and a replayed token finds nothing.

    Reflex keeps a tab's state after its socket closes (for reconnects) until it expires; a
    reconnecting tab rehydrates in full and runs its page's on_load again, so nothing is lost.
    """
    from reflex.istate.manager.disk import StateManagerDisk
    from reflex.istate.manager.memory import StateManagerMemory
    from reflex.istate.manager.redis import StateManagerRedis

    if Bound.tab_state is None:
        return
    manager = bound_app().state_manager
    root_cls = Bound.tab_state.get_root_state()
    token = rx.BaseStateToken(ident=tab, cls=root_cls)
    if isinstance(manager, StateManagerMemory | StateManagerDisk):
        lock = manager._states_locks.get(token.lock_key)
        if lock is not None and lock.locked():
            return  # a handler is still running: the state expires on Reflex's schedule
        manager._purge_token(token)
    if isinstance(manager, StateManagerDisk):
        for queued in [t for t in manager._write_queue if t.ident == tab]:
            manager._write_queue.pop(queued, None)
        paths = [
            manager.token_path(rx.BaseStateToken(ident=tab, cls=cls))
            for cls in _state_classes(root_cls)
        ]

        def empty() -> None:
            # Emptied, not deleted: Reflex's own expiry lists and stats these files meanwhile.
            # An empty file loads as no state at all.
            for path in paths:
                if path.exists():
                    path.write_bytes(b"")

        await asyncio.to_thread(empty)
    elif isinstance(manager, StateManagerRedis):
        keys = [f"{tab}_{cls.get_full_name()}" for cls in _state_classes(root_cls)]
        await manager.redis.delete(*keys)


def _state_classes(root: type[BaseState]) -> Iterable[type[BaseState]]:
    yield root
    for sub in root.get_substates():
        yield from _state_classes(sub)
