"""Pushing to open browser tabs. The only module that touches Reflex internals (REFLEX.md).

The rule (DESIGN.md section 4, README "Security"):

- There is no shared state. Reflex keeps a shared state under its link token in the same store
  as tab tokens, and every public method of a shared state is an event any linked tab may call,
  so one would hand a workspace's data to whoever names its token. Instead, each worker keeps a
  **registry of open tabs per workspace** (in memory; a Redis hash when ``redis_url`` is set, so
  every worker sees every tab), filled by a tab's ``on_load`` after its auth check and emptied
  when the socket closes.
- When something changes, :func:`announce` loads the workspace's view once and hands it to
  each open tab's own state with ``app.modify_state``. The tab shows it only after checking its
  own session cookie against the view's valid sessions (the page-load check); a tab that fails
  is cleared, unlinked and sent to re-check its access. Opening a tab pushes nothing to others.
- A socket whose tab token is not the UUID the browser generates is refused at connect, and a
  closed tab's state is released, so a replayed token finds nothing.
"""

from __future__ import annotations

import asyncio
import logging
import re
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, cast

import reflex as rx
from reflex.state import BaseState, StateUpdate
from reflex_base.event import Event
from socketio.exceptions import ConnectionRefusedError as SocketRefused

from archive_app.db import session_scope
from archive_app.services.workspace_view import WorkspaceView, load_workspace_view

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from reflex.app import App

log = logging.getLogger(__name__)

# Reflex's browser client makes tab tokens with generateUUID(): 8-4-4-4-12 lowercase hex with
# the version digit 4, and the variant digit anywhere in 8-f (so often not RFC 4122).
_TAB_TOKEN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}")
# How many tabs one announcement updates at once (each is a state load, change and save).
PUSH_CONCURRENCY = 32


def is_tab_token(token: object) -> bool:
    return isinstance(token, str) and _TAB_TOKEN.fullmatch(token) is not None


class TabView(Protocol):
    """The per-tab state that shows a workspace view (``AppState``)."""

    def _apply_workspace_view(self, view: WorkspaceView) -> bool:
        """Show ``view`` if this tab's session may see it; else clear the tab and say False."""
        ...


# --- the registry of open tabs --------------------------------------------------------------


class MemoryTabs:
    """One worker's open tabs (the whole app when there is no Redis: one worker)."""

    def __init__(self) -> None:
        self._by_workspace: dict[int, dict[str, int]] = {}
        self._workspace_of: dict[str, int] = {}

    async def add(self, tab: str, *, workspace_id: int, user_id: int) -> None:
        await self.remove(tab)
        self._by_workspace.setdefault(workspace_id, {})[tab] = user_id
        self._workspace_of[tab] = workspace_id

    async def remove(self, tab: str) -> None:
        workspace_id = self._workspace_of.pop(tab, None)
        if workspace_id is not None:
            tabs = self._by_workspace.get(workspace_id, {})
            tabs.pop(tab, None)
            if not tabs:
                self._by_workspace.pop(workspace_id, None)

    async def tabs(self, workspace_id: int) -> dict[str, int]:
        return dict(self._by_workspace.get(workspace_id, {}))

    async def count(self) -> int:
        return len(self._workspace_of)


class RedisTabs:
    """Every worker's open tabs: ``archive:tabs:<workspace>`` maps tab → user id.

    ``archive:tab:<tab>`` names the tab's workspace and expires, so a worker that died without
    closing its sockets leaves entries that :func:`announce` drops when it finds them closed.
    """

    TTL_SECONDS = 24 * 3600

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def add(self, tab: str, *, workspace_id: int, user_id: int) -> None:
        await self.remove(tab)
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(f"archive:tabs:{workspace_id}", tab, str(user_id))
        pipe.set(f"archive:tab:{tab}", str(workspace_id), ex=self.TTL_SECONDS)
        await pipe.execute()

    async def remove(self, tab: str) -> None:
        workspace_id = await self._redis.getdel(f"archive:tab:{tab}")
        if workspace_id is not None:
            await cast("Awaitable[int]", self._redis.hdel(f"archive:tabs:{int(workspace_id)}", tab))

    async def tabs(self, workspace_id: int) -> dict[str, int]:
        raw = await cast(
            "Awaitable[dict[bytes, bytes]]", self._redis.hgetall(f"archive:tabs:{workspace_id}")
        )
        return {_text(k): int(v) for k, v in raw.items()}

    async def count(self) -> int:
        total = 0
        async for _key in self._redis.scan_iter(match="archive:tab:*", count=1000):
            total += 1
        return total


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


# --- binding to the app ---------------------------------------------------------------------


class _Bound:
    app: App | None = None
    tab_state: type[BaseState] | None = None
    registry: MemoryTabs | RedisTabs = MemoryTabs()
    # Disconnect clean-ups in flight (kept so they are not garbage-collected mid-way).
    closing: set[asyncio.Task[None]] = set()


def bind(app: App, *, tab_state: type[BaseState]) -> None:
    """Called once by archive_app.py: the app whose tabs we push to, and the per-tab state."""
    from reflex.utils import prerequisites

    _Bound.app, _Bound.tab_state = app, tab_state
    redis = prerequisites.get_redis() if prerequisites.check_redis_used() else None
    _Bound.registry = RedisTabs(redis) if redis is not None else MemoryTabs()
    namespace = app.event_namespace
    if namespace is not None:
        _guard_socket(namespace)


def _app() -> App:
    if _Bound.app is None:
        raise RuntimeError("live.bind(app) was not called")
    return _Bound.app


def _guard_socket(namespace: Any) -> None:
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
            task = asyncio.get_running_loop().create_task(_tab_closed(tab, cleanup))
            _Bound.closing.add(task)
            task.add_done_callback(_Bound.closing.discard)
        return cleanup

    namespace.on_connect = on_connect
    namespace.on_disconnect = on_disconnect


async def _tab_closed(tab: str, cleanup: Awaitable[Any] | None) -> None:
    if cleanup is not None:
        await cleanup  # Reflex forgets the socket first
    if await tab_is_open(tab):
        return  # the same tab came back (a reload): it keeps its place
    await _Bound.registry.remove(tab)
    await _release(tab)


async def _release(tab: str) -> None:
    """Drop a closed tab's state: its memory comes back and a replayed token finds nothing.

    Reflex keeps a tab's state after its socket closes (for reconnects) until it expires; a
    reconnecting tab rehydrates in full and runs its page's on_load again, so nothing is lost.
    """
    from reflex.istate.manager.disk import StateManagerDisk
    from reflex.istate.manager.memory import StateManagerMemory
    from reflex.istate.manager.redis import StateManagerRedis

    if _Bound.tab_state is None:
        return
    manager = _app().state_manager
    root_cls = _Bound.tab_state.get_root_state()
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

        def unlink() -> None:
            for path in paths:
                path.unlink(missing_ok=True)

        await asyncio.to_thread(unlink)
    elif isinstance(manager, StateManagerRedis):
        keys = [f"{tab}_{cls.get_full_name()}" for cls in _state_classes(root_cls)]
        await manager.redis.delete(*keys)


def _state_classes(root: type[BaseState]) -> Iterable[type[BaseState]]:
    yield root
    for sub in root.get_substates():
        yield from _state_classes(sub)


# --- what states, routes and jobs call ------------------------------------------------------


async def register_tab(tab: str, *, workspace_id: int, user_id: int) -> None:
    """From a tab's on_load, after its auth check: it will hear about its workspace."""
    if is_tab_token(tab):
        await _Bound.registry.add(tab, workspace_id=workspace_id, user_id=user_id)


async def unregister_tab(tab: str) -> None:
    await _Bound.registry.remove(tab)


async def open_tab_count() -> int:
    return await _Bound.registry.count()


async def workspace_tabs(workspace_id: int) -> dict[str, int]:
    """The open tabs of a workspace (tab token → user id), as the registry knows them."""
    return await _Bound.registry.tabs(workspace_id)


async def load_view(workspace_id: int, *, now: datetime) -> WorkspaceView:
    def work() -> WorkspaceView:
        with session_scope() as session:
            return load_workspace_view(session, workspace_id=workspace_id, now=now)

    return await asyncio.to_thread(work)


async def announce(
    workspace_id: int, *, now: datetime, skip_tab: str | None = None
) -> WorkspaceView:
    """Something in the workspace changed: every open tab of it shows the new view.

    Callable from a route, a job, or an event handler (pass ``skip_tab`` = the handler's own
    tab, whose state it already holds; ``modify_state`` is not re-entrant). Returns the view so
    the caller's own tab can show it too. Never raises because a tab is gone.
    """
    view = await load_view(workspace_id, now=now)
    tabs = [t for t in await _Bound.registry.tabs(workspace_id) if t != skip_tab]
    if tabs:
        limit = asyncio.Semaphore(PUSH_CONCURRENCY)

        async def push(tab: str) -> None:
            async with limit:
                await _push(tab, view)

        await asyncio.gather(*(push(t) for t in tabs))
    return view


async def _push(tab: str, view: WorkspaceView) -> None:
    if not await tab_is_open(tab):
        await _Bound.registry.remove(tab)  # closed on a worker that could not tell us
        return
    state_cls = _Bound.tab_state
    assert state_cls is not None
    app = _app()
    try:
        async with app.modify_state(rx.BaseStateToken(ident=tab, cls=state_cls)) as root:
            tab_state: TabView = await root.get_state(state_cls)  # type: ignore[assignment]
            allowed = tab_state._apply_workspace_view(view)
    except Exception:  # one broken tab must not stop the others
        log.exception("could not update tab %s", tab)
        return
    if not allowed:
        await _Bound.registry.remove(tab)
        recheck = getattr(state_cls, "recheck_access", None)
        if recheck is not None:
            await send_to_tab(tab, recheck)


async def tab_is_open(token: str) -> bool:
    """Whether this tab still has a live websocket (background loops stop when it closes)."""
    app = _app()
    manager = app.event_namespace._token_manager if app.event_namespace else None
    return manager is not None and await manager.is_token_connected(token)


async def send_to_tab(tab: str, events: Any) -> None:
    """Browser events (a toast, a handler call) for one open tab; nothing if it closed."""
    app = _app()
    if app.event_namespace is None or not await tab_is_open(tab):
        return
    update = StateUpdate(events=Event.from_event_type(events))
    try:
        await app.event_namespace.emit_update(update, tab)
    except Exception:
        log.exception("could not reach tab %s", tab)
