"""Pushing to open browser tabs. The only module that touches Reflex internals (REFLEX.md).

Each tab links ``WorkspaceLive`` to ``ws-<workspace id>`` in its ``on_load``; changing that
shared state re-renders every linked tab. Browser-side effects (toasts, "re-check your access")
are events sent per connected tab with ``emit_update``. With ``redis_url`` set, both cross
workers and replicas.

Everything else calls the functions at the bottom; none of them raise if no tab is open.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import reflex as rx
from reflex.state import StateUpdate
from reflex_base.event import Event

if TYPE_CHECKING:
    from reflex.app import App

log = logging.getLogger(__name__)


class WorkspaceLive(rx.SharedState):
    """What every tab of one workspace sees change together. Keep it small."""

    member_count: int = 0


def link_token(workspace_id: int) -> str:
    return f"ws-{workspace_id}"  # link tokens may not contain "_"


_bound: list[App] = []


def bind(app: App) -> None:
    """Called once by archive_app.py with the app whose tabs we push to."""
    _bound[:] = [app]


def _app() -> App:
    if not _bound:
        raise RuntimeError("live.bind(app) was not called")
    return _bound[0]


async def _linked_tabs(app: App, workspace_id: int) -> list[str]:
    # A read without the state lock: safe to call from inside an event handler of a linked tab.
    token = rx.BaseStateToken(ident=link_token(workspace_id), cls=WorkspaceLive)
    root = await app.state_manager.get_state(token)
    shared = await root.get_state(WorkspaceLive)
    linked = list(shared._linked_from)
    manager = app.event_namespace._token_manager if app.event_namespace else None
    if manager is None:
        return []
    return [t for t in linked if await manager.is_token_connected(t)]


async def update_shared(workspace_id: int, **values: Any) -> None:
    """Set vars of the workspace's shared state; every linked tab re-renders.

    For jobs and routes. Inside an event handler change ``await self.get_state(WorkspaceLive)``
    instead: the handler already holds this lock (modify_state is not re-entrant).
    """
    app = _app()
    token = rx.BaseStateToken(ident=link_token(workspace_id), cls=WorkspaceLive)
    async with app.modify_state(token) as root:
        shared = await root.get_state(WorkspaceLive)
        for name, value in values.items():
            setattr(shared, name, value)


async def send_to_tabs(workspace_id: int, events: Any) -> int:
    """Send browser events (toasts, redirects, handler calls) to every open tab of a workspace."""
    app = _app()
    if app.event_namespace is None:
        return 0
    tabs = await _linked_tabs(app, workspace_id)
    for tab in tabs:
        update = StateUpdate(events=Event.from_event_type(events))
        try:
            await app.event_namespace.emit_update(update, tab)
        except Exception:  # one broken socket must not stop the others
            log.exception("could not reach tab %s", tab)
    return len(tabs)
