"""Pushing to open browser tabs. The only module that touches Reflex internals (REFLEX.md).

The rule (DESIGN.md section 4, README "Security"):

- There is no shared state. Reflex keeps a shared state under its link token in the same store
  as tab tokens, and every public method of a shared state is an event any linked tab may call,
  so one would hand a workspace's data to whoever names its token. Instead, each worker keeps a
  **registry of its open tabs per workspace** (in memory), filled by a tab's ``on_load`` after
  its auth check (a tab's events run on the worker that holds its socket) and emptied when the
  socket closes.
- When something changes, :func:`announce` loads the workspace's view once, builds the update
  that shows it once, and sends it to each open tab whose session (recorded when the tab
  passed its page-load check) is among the view's valid sessions of current members. A tab
  that fails is cleared through its own state (``app.modify_state``), unlinked and sent to
  re-check its access. Opening a tab pushes nothing to others.
- With ``redis_url`` (several workers or replicas) the announcement is also published on one
  Redis channel; every other worker with open tabs of that workspace loads the view and pushes
  to its own tabs. Each worker updates only sockets it holds, so no update crosses workers and
  the work is spread over them (measured in bench/push.py).
- A socket whose tab token is not the UUID the browser generates is refused at connect, and a
  closed tab's state is released, so a replayed token finds nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import reflex as rx
from reflex.state import BaseState, StateUpdate
from reflex_base.event import Event
from socketio.exceptions import ConnectionRefusedError as SocketRefused

from archive_app.deps import run_db
from archive_app.services.workspace_view import WorkspaceView, load_workspace_view

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from reflex.app import App

log = logging.getLogger(__name__)

# Reflex's browser client makes tab tokens with generateUUID(): 8-4-4-4-12 lowercase hex with
# the version digit 4, and the variant digit anywhere in 8-f (so often not RFC 4122).
_TAB_TOKEN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}")


def is_tab_token(token: object) -> bool:
    return isinstance(token, str) and _TAB_TOKEN.fullmatch(token) is not None


class TabView(Protocol):
    """The per-tab state that shows a workspace view (``AppState``)."""

    def _apply_workspace_view(self, view: WorkspaceView) -> bool:
        """Show ``view`` if this tab's session may see it; else clear the tab and say False."""
        ...

    @classmethod
    async def _view_delta(cls, view: WorkspaceView) -> dict[str, Any]:
        """The update (Reflex delta) that shows ``view`` in a tab."""
        ...


# --- the registry of open tabs --------------------------------------------------------------


class MemoryTabs:
    """This worker's open tabs: workspace → tab token → the SHA-256 of the tab's session."""

    def __init__(self) -> None:
        self._by_workspace: dict[int, dict[str, str]] = {}
        self._workspace_of: dict[str, int] = {}

    async def add(self, tab: str, *, workspace_id: int, session_hash: str) -> None:
        await self.remove(tab)
        self._by_workspace.setdefault(workspace_id, {})[tab] = session_hash
        self._workspace_of[tab] = workspace_id

    async def remove(self, tab: str) -> None:
        workspace_id = self._workspace_of.pop(tab, None)
        if workspace_id is not None:
            tabs = self._by_workspace.get(workspace_id, {})
            tabs.pop(tab, None)
            if not tabs:
                self._by_workspace.pop(workspace_id, None)

    async def tabs(self, workspace_id: int) -> dict[str, str]:
        return dict(self._by_workspace.get(workspace_id, {}))

    async def count(self) -> int:
        return len(self._workspace_of)


# --- binding to the app ---------------------------------------------------------------------


CHANNEL = "archive:live:announce"  # + the Redis database: pub/sub channels span databases


class _Bound:
    app: App | None = None
    tab_state: type[BaseState] | None = None
    registry = MemoryTabs()
    # Set in each worker's lifespan (workers are forked after the app is imported).
    redis: Redis | None = None
    worker_id = ""
    channel = CHANNEL
    # Background work in flight (kept so it is not garbage-collected mid-way).
    tasks: set[asyncio.Task[None]] = set()


def bind(app: App, *, tab_state: type[BaseState]) -> None:
    """Called once by archive_app.py: the app whose tabs we push to, and the per-tab state."""
    from reflex.utils import prerequisites

    _Bound.app, _Bound.tab_state = app, tab_state
    namespace = app.event_namespace
    if namespace is not None:
        _guard_socket(namespace)
    if prerequisites.check_redis_used():
        app.register_lifespan_task(_listen_to_other_workers)


def _spawn(work: Coroutine[Any, Any, None]) -> None:
    task: asyncio.Task[None] = asyncio.get_running_loop().create_task(work)
    _Bound.tasks.add(task)
    task.add_done_callback(_finished)


def _finished(task: asyncio.Task[None]) -> None:
    _Bound.tasks.discard(task)
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("live update failed: %r", error, exc_info=error)


@contextlib.asynccontextmanager
async def _listen_to_other_workers(_app: Any = None) -> AsyncIterator[None]:
    """Every worker hears every other worker's announcements (one Redis channel)."""
    from reflex.utils import prerequisites

    _Bound.redis = prerequisites.get_redis()
    _Bound.worker_id = uuid.uuid4().hex
    db = _Bound.redis.connection_pool.connection_kwargs.get("db", 0) if _Bound.redis else 0
    _Bound.channel = f"{CHANNEL}:{db}"
    listener = asyncio.get_running_loop().create_task(_listen())
    try:
        yield
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
        _Bound.redis = None


async def _listen() -> None:
    redis = _Bound.redis
    assert redis is not None
    while True:
        try:
            async with redis.pubsub() as pubsub:
                await pubsub.subscribe(_Bound.channel)
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        _spawn(_on_announcement(message.get("data")))
        except asyncio.CancelledError:
            raise
        except Exception:  # Redis restarted or the connection dropped: listen again
            log.warning("lost the live channel on Redis; listening again in 1 s")
            await asyncio.sleep(1)


async def _on_announcement(data: Any) -> None:
    try:
        message = json.loads(data)
        workspace_id = int(message["workspace_id"])
        now = datetime.fromisoformat(message["now"])
        sender = str(message["worker"])
    except (ValueError, TypeError, KeyError):
        log.warning("ignored a malformed message on %s", _Bound.channel)
        return
    if sender == _Bound.worker_id or not await _Bound.registry.tabs(workspace_id):
        return  # ours, or no tab of that workspace here: no database work at all
    view = await load_view(workspace_id, now=now)
    await _push_local(view)


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
            _spawn(_tab_closed(tab, cleanup))
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


# --- what states, routes and jobs call ------------------------------------------------------


async def register_tab(tab: str, *, workspace_id: int, session_hash: str) -> None:
    """From a tab's on_load, after its auth check: it will hear about its workspace."""
    if is_tab_token(tab):
        await _Bound.registry.add(tab, workspace_id=workspace_id, session_hash=session_hash)


async def unregister_tab(tab: str) -> None:
    await _Bound.registry.remove(tab)


async def open_tab_count() -> int:
    return await _Bound.registry.count()


async def workspace_tabs(workspace_id: int) -> dict[str, str]:
    """This worker's open tabs of a workspace (tab token → session hash)."""
    return await _Bound.registry.tabs(workspace_id)


async def load_view(workspace_id: int, *, now: datetime) -> WorkspaceView:
    return await run_db(
        lambda session: load_workspace_view(session, workspace_id=workspace_id, now=now)
    )


async def announce(
    workspace_id: int, *, now: datetime, skip_tab: str | None = None
) -> WorkspaceView:
    """Something in the workspace changed: every open tab of it shows the new view.

    Callable from a route, a job, or an event handler (pass ``skip_tab`` = the handler's own
    tab, whose state it already holds; ``modify_state`` is not re-entrant). Returns the view so
    the caller's own tab can show it too. Never raises because a tab is gone.
    """
    view = await load_view(workspace_id, now=now)
    if _Bound.redis is not None:
        message = {"workspace_id": workspace_id, "now": now.isoformat(), "worker": _Bound.worker_id}
        try:
            await _Bound.redis.publish(_Bound.channel, json.dumps(message))
        except Exception:  # the other workers' tabs catch up at their next page load
            log.exception("could not tell the other workers about workspace %s", workspace_id)
    await _push_local(view, skip_tab=skip_tab)
    return view


async def _push_local(view: WorkspaceView, *, skip_tab: str | None = None) -> None:
    """Push a view to this worker's open tabs of its workspace.

    A tab whose session may see the view gets one prepared update (the same for every tab:
    no state is loaded per tab); a tab whose session may not is cleared and sent away.
    """
    tabs = await _Bound.registry.tabs(view.workspace_id)
    tabs.pop(skip_tab or "", None)
    if not tabs:
        return
    state_cls = _Bound.tab_state
    assert state_cls is not None
    allowed = [t for t, session in tabs.items() if session in view.session_hashes]
    refused = [t for t in tabs if t not in allowed]
    if allowed:
        tab_view: TabView = state_cls  # type: ignore[assignment]
        update = StateUpdate(delta=await tab_view._view_delta(view))
        await asyncio.gather(*(_send(tab, update) for tab in allowed))
    for tab in refused:
        await _send_away(tab, view)


async def _send(tab: str, update: StateUpdate) -> None:
    app = _app()
    if app.event_namespace is None or not await tab_is_open(tab):
        await _Bound.registry.remove(tab)  # closed while we were not looking
        return
    try:
        await app.event_namespace.emit_update(update, tab)
    except Exception:  # one broken socket must not stop the others
        log.exception("could not reach tab %s", tab)


async def _send_away(tab: str, view: WorkspaceView) -> None:
    """A tab whose session lost the workspace: clear its state, unlink it, send it to log in."""
    await _Bound.registry.remove(tab)
    if not await tab_is_open(tab):
        return
    state_cls = _Bound.tab_state
    assert state_cls is not None
    try:
        async with _app().modify_state(rx.BaseStateToken(ident=tab, cls=state_cls)) as root:
            tab_state: TabView = await root.get_state(state_cls)  # type: ignore[assignment]
            tab_state._apply_workspace_view(view)  # fails its check: clears the tab
    except Exception:
        log.exception("could not clear tab %s", tab)
        return
    recheck = getattr(state_cls, "recheck_access", None)
    if recheck is not None:
        await send_to_tab(tab, recheck)


async def tab_is_open(token: str) -> bool:
    """Whether this tab still has a live websocket (background loops stop when it closes)."""
    if _Bound.app is None:
        return False  # no server (a State under test): no socket is open
    app = _Bound.app
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
