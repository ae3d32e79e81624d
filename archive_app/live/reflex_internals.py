"""Every use of a Reflex internal in the app, in one module, pinned on Reflex 0.10.1.

Reflex has no public API for what ``live`` does (push a prepared update to sockets this worker
holds, ask whether a tab's socket is open, clear and drop a closed tab's state, compute a
delta without a tab) nor for a few app-building details (the built frontend's folder, the
default error toast). These thin wrappers are the only code that names those internals
(``tests/test_architecture.py`` enforces it) and ``tests/live/test_reflex_internals.py`` pins
what each one does. When upgrading Reflex: run that file, read the Reflex source each wrapper
names, fix the wrapper here, then move :data:`PINNED_REFLEX`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import reflex as rx
from reflex import constants
from reflex.state import BaseState, StateUpdate
from reflex_base.event import Event, EventSpec

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from reflex.app import App

__all__ = [
    "PINNED_REFLEX",
    "BaseState",
    "EventSpec",
    "StateUpdate",
    "TabUpdate",
    "cache_redis_driver_version",
    "default_error_events",
    "emit_to_sockets",
    "emit_to_tab",
    "fresh_state_delta",
    "guard_socket_events",
    "is_tab_connected",
    "make_update",
    "modify_tab_state",
    "redis_in_use",
    "release_tab_state",
    "revive_redis_subscriptions",
    "shared_redis",
    "sockets_held_here",
    "static_build_dir",
]

PINNED_REFLEX = "0.10.1"

# What a tab receives (a delta and browser events): callers annotate with this name.
TabUpdate = StateUpdate

S = TypeVar("S", bound=BaseState)


def installed_reflex() -> str:
    return version("reflex")


# --- updates and deltas -----------------------------------------------------------------------


def make_update(*, delta: dict[str, Any] | None = None, events: Any = None) -> StateUpdate:
    """What Reflex sends a tab: a delta (state name → var → value) and browser events (an
    ``EventSpec``, an event handler, or a list of them)."""
    return StateUpdate(
        delta=delta or {}, events=Event.from_event_type(events) if events is not None else []
    )


async def fresh_state_delta(state_cls: type[S], change: Callable[[S], None]) -> dict[str, Any]:
    """The delta ``change`` makes to a fresh, tab-less state tree: the same for every tab, so it
    is computed once and sent to many (``BaseState._get_resolved_delta``)."""
    root = state_cls.get_root_state()(_reflex_internal_init=True)
    state = await root.get_state(state_cls)
    change(state)
    return dict(await root._get_resolved_delta())


# --- sockets: the event namespace and its token manager -----------------------------------------


async def is_tab_connected(app: App | None, tab: str) -> bool:
    """Whether ``tab`` has an open websocket (on any worker, with Redis)."""
    namespace = app.event_namespace if app is not None else None
    if namespace is None:
        return False
    return bool(await namespace._token_manager.is_token_connected(tab))


def sockets_held_here(app: App, tabs: Iterable[str]) -> tuple[list[str], list[str]]:
    """The socket ids of the tabs whose socket this worker holds, and the other tabs."""
    namespace = app.event_namespace
    if namespace is None:
        return [], list(tabs)
    manager = namespace._token_manager
    here: list[str] = []
    elsewhere: list[str] = []
    for tab in tabs:
        record = manager.token_to_socket.get(tab)
        if record is not None and record.instance_id == manager.instance_id:
            here.append(record.sid)
        else:
            elsewhere.append(tab)
    return here, elsewhere


async def emit_to_sockets(app: App, update: StateUpdate, sids: list[str]) -> None:
    """One socket.io emit to many sockets of this worker: the frame is encoded once."""
    namespace = app.event_namespace
    if namespace is not None and sids:
        await namespace.emit(str(constants.SocketEvent.EVENT), update, to=sids)


async def emit_to_tab(app: App, update: StateUpdate, tab: str) -> None:
    """Send to one tab; Reflex hands a tab of another worker to Redis."""
    if app.event_namespace is not None:
        await app.event_namespace.emit_update(update, tab)


def revive_redis_subscriptions(app: App) -> list[str]:
    """Start again the Redis subscriptions Reflex gave up on; the names of those restarted.

    With Redis, each worker's token manager listens on two subscriptions: lost-and-found (the
    updates another worker meant for a socket this one holds) and socket records (which worker
    holds which tab). Each runs in ``reflex.utils.tasks.ensure_task``, which stops for good
    after 5 errors in 60 s (a Redis restart of a few seconds is enough), and is only started
    again when a new socket connects. Without this a replica whose tabs stay open is half-deaf
    after a Redis blip. The state manager's lock subscription re-starts itself on the next lock.
    """
    from reflex.utils.token_manager import RedisTokenManager

    namespace = app.event_namespace
    manager = namespace._token_manager if namespace is not None else None
    if namespace is None or not isinstance(manager, RedisTokenManager):
        return []
    restarts: dict[str, Callable[[], Any]] = {
        "_lost_and_found_task": lambda: manager.ensure_lost_and_found_task(namespace.emit_update),
        "_socket_record_task": manager._ensure_socket_record_task,
    }
    revived = []
    for attribute, restart in restarts.items():
        task: asyncio.Task[Any] | None = getattr(manager, attribute)
        if task is None or not task.done():
            continue  # never started (no socket yet) or still running
        if not task.cancelled():
            task.exception()  # retrieved: its error was logged by Reflex already
        restart()
        revived.append(attribute.strip("_").removesuffix("_task"))
    return revived


def guard_socket_events(
    app: App,
    *,
    admit: Callable[[dict[str, Any]], None],
    closed: Callable[[str, Awaitable[Any] | None], None],
) -> None:
    """Wrap the namespace's connect and disconnect handlers.

    ``admit(environ)`` runs before Reflex sees a new socket and refuses it by raising
    socket.io's ``ConnectionRefusedError``; ``closed(tab, cleanup)`` runs when a tab's socket
    closes, with Reflex's own cleanup (awaitable, or None) still to finish.
    """
    namespace = app.event_namespace
    if namespace is None:
        return
    connect: Callable[..., Awaitable[Any]] = namespace.on_connect
    disconnect: Callable[..., Any] = namespace.on_disconnect

    async def on_connect(sid: str, environ: dict[str, Any], auth: Any = None) -> Any:
        admit(environ)
        return await connect(sid, environ, auth)

    def on_disconnect(sid: str, *_reason: Any) -> Any:
        tab = namespace.sid_to_token.get(sid)
        cleanup = disconnect(sid)
        if tab:
            closed(tab, cleanup)
        return cleanup

    namespace.on_connect = on_connect  # type: ignore[method-assign]
    namespace.on_disconnect = on_disconnect  # type: ignore[method-assign]


# --- a tab's stored state --------------------------------------------------------------------


@contextlib.asynccontextmanager
async def modify_tab_state(app: App, tab: str, state_cls: type[S]) -> AsyncIterator[S]:
    """A tab's ``state_cls`` state, locked and saved on exit (creates a fresh one for a closed
    tab). Not re-entrant: never for the tab whose handler is running (deadlock)."""
    async with app.modify_state(rx.BaseStateToken(ident=tab, cls=state_cls)) as root:
        yield await root.get_state(state_cls)


async def release_tab_state(app: App, tab: str, state_cls: type[BaseState]) -> None:
    """Drop a closed tab's stored state from the state manager (memory, disk or Redis), so a
    replayed token finds nothing. Leaves it alone while one of its handlers holds the lock."""
    from reflex.istate.manager.disk import StateManagerDisk
    from reflex.istate.manager.memory import StateManagerMemory
    from reflex.istate.manager.redis import StateManagerRedis

    manager = app.state_manager
    root_cls = state_cls.get_root_state()
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


# --- Reflex's Redis client ----------------------------------------------------------------------


def cache_redis_driver_version() -> bool:
    """Make redis-py look its own version up once per process, not once per connection.

    redis-py (7.x) names itself to the server with its version, read from the installed
    packages' metadata (``importlib.metadata``, a walk of ``sys.path``) in
    ``redis.utils.get_lib_version`` each time it opens a connection: 0.5 ms of the 1 ms of CPU
    a connection costs. Reflex's asyncio pool opens a connection for every command in flight,
    so a storm of tabs reconnecting to a replica opens hundreds (bench/hydrate.py counted about
    two per tab). The installed version cannot change while the process runs. Returns whether
    the lookup is cached now (False if redis-py no longer has it: nothing to do).
    """
    import redis.utils

    lookup = getattr(redis.utils, "get_lib_version", None)
    if lookup is None:
        return False
    if not hasattr(lookup, "cache_info"):
        redis.utils.get_lib_version = functools.cache(lookup)
    return True


# --- configuration Reflex reads for itself ----------------------------------------------------


def redis_in_use() -> bool:
    """Whether Reflex runs on Redis (``redis_url``): several workers, state in Redis."""
    from reflex.utils import prerequisites

    return bool(prerequisites.check_redis_used())


def shared_redis() -> Redis | None:
    """Reflex's own Redis client (from ``redis_url``), or None without one."""
    from reflex.utils import prerequisites

    return prerequisites.get_redis()


def static_build_dir() -> Path:
    """Where ``reflex export``/``run --env prod`` put the built frontend."""
    from reflex.utils.prerequisites import get_web_dir

    return Path(get_web_dir() / constants.Dirs.STATIC)


def default_error_events(exception: Exception) -> list[EventSpec]:
    """Reflex's default answer to a handler's error (a toast), as our handler returns it."""
    from reflex.app import default_backend_exception_handler

    return [default_backend_exception_handler(exception)]
