"""Pushing to open browser tabs. The only package that touches Reflex internals (REFLEX.md):
all of them sit in ``live/reflex_internals.py``, pinned by ``tests/live/test_reflex_internals.py``.

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

from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from archive_app.live.bound import CHANNEL, Bound, Topic
from archive_app.live.channel import listen_to_other_workers, publish
from archive_app.live.push import TabView, load_view, push_local, send_to_tab, tab_is_open
from archive_app.live.reflex_internals import BaseState, cache_redis_driver_version, redis_in_use
from archive_app.live.registry import MemoryTabs, is_tab_token
from archive_app.live.sockets import guard_socket
from archive_app.services.workspace_view import WorkspaceView

if TYPE_CHECKING:
    from reflex.app import App

# The package's parts: ``registry`` (which tabs are open here), ``bound`` (what bind() and the
# lifespan set), ``push`` (this worker's own sockets), ``channel`` (Redis between workers) and
# ``sockets`` (the connect guard and a closed tab's release). Callers use only this module.
__all__ = [
    "CHANNEL",
    "Acting",
    "MemoryTabs",
    "TabView",
    "Topic",
    "acting",
    "announce",
    "bind",
    "is_tab_token",
    "load_view",
    "on_topic",
    "open_tab_count",
    "register_tab",
    "send_to_tab",
    "tab_is_open",
    "topic_handlers",
    "unregister_tab",
    "workspace_tabs",
]


def bind(app: App, *, tab_state: type[BaseState]) -> None:
    """Called once by archive_app.py: the app whose tabs we push to, and the per-tab state."""
    Bound.app, Bound.tab_state = app, tab_state
    guard_socket(app)
    if redis_in_use():
        cache_redis_driver_version()  # before the workers fork: Reflex's pool opens many
        app.register_lifespan_task(listen_to_other_workers)


def on_topic(topic: Topic, handler: Any) -> None:
    """Called by archive_app.py: an event handler an open tab runs when ``topic`` changes
    (e.g. ``FeedState.mentions_changed``). It must re-check the tab's viewer like a page load,
    and return at once when the tab is not on its page (every topic handler runs in every tab)."""
    handlers = Bound.topic_events.setdefault(Topic(topic), [])
    if handler not in handlers:
        handlers.append(handler)


def topic_handlers(topic: Topic) -> list[Any]:
    """The handlers registered for ``topic``: a handler that announced with ``skip_tab`` (its
    own tab) returns these to run them in its own tab too."""
    return list(Bound.topic_events.get(Topic(topic), []))


@dataclass
class Acting:
    """The tab whose event handler is doing the work being announced (set by ``AppState``).

    ``modify_state`` is not re-entrant, so no announcement touches that tab: it is skipped,
    and what it should show is left here for its handler to apply (``view``) and run
    (``handlers``: the topics' event handlers) once the work is done.
    """

    tab: str
    view: WorkspaceView | None = None
    handlers: list[Any] = field(default_factory=list)


# Set for the duration of a tab's unit of work (``AppState._act``); None in routes and jobs.
acting: ContextVar[Acting | None] = ContextVar("archive_live_acting", default=None)


# --- what states, routes and jobs call ------------------------------------------------------


async def register_tab(tab: str, *, workspace_id: int, session_hash: str) -> None:
    """From a tab's on_load, after its auth check: it will hear about its workspace."""
    if is_tab_token(tab):
        await Bound.registry.add(tab, workspace_id=workspace_id, session_hash=session_hash)


async def unregister_tab(tab: str) -> None:
    await Bound.registry.remove(tab)


async def open_tab_count() -> int:
    return await Bound.registry.count()


async def workspace_tabs(workspace_id: int) -> dict[str, str]:
    """This worker's open tabs of a workspace (tab token → session hash)."""
    return await Bound.registry.tabs(workspace_id)


async def announce(
    workspace_id: int, *, now: datetime, view: bool = True, topics: Iterable[Topic] = ()
) -> None:
    """Something in the workspace changed: its open tabs hear about it, on every worker.

    Only the dispatcher (``archive_app/dispatch.py``) calls this. ``view``: the workspace view
    (sources, alerts, members) changed, so every open tab gets the new one (and tabs whose
    session lost access are sent away). ``topics`` (``Topic.mentions``, ``Topic.rights``) asks
    each open tab to run that topic's handlers (see :func:`on_topic`), which re-read what they
    show through their own checks; with ``view=False`` nothing is loaded here at all. The tab
    doing the work (:data:`acting`) is skipped and gets what it should show in its ``Acting``.
    Never raises because a tab is gone.
    """
    topics = tuple(dict.fromkeys(Topic(t) for t in topics))
    me = acting.get()
    mine = me is not None and me.tab in await Bound.registry.tabs(workspace_id)
    skip_tab = me.tab if me is not None and mine else None
    await publish(workspace_id, now=now, topics=topics, view=view)
    loaded = await load_view(workspace_id, now=now) if view else None
    await push_local(loaded, workspace_id=workspace_id, skip_tab=skip_tab, topics=topics)
    if me is not None and mine:
        me.view = loaded or me.view
        me.handlers.extend(h for t in topics for h in topic_handlers(t) if h not in me.handlers)
