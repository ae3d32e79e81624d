"""Pushing to open browser tabs. The only module that touches Reflex internals (REFLEX.md).

Each tab links ``WorkspaceLive`` to ``ws-<workspace id>`` in its ``on_load``; changing that
shared state re-renders every linked tab. Browser-side effects (toasts, "re-check your access")
are events sent per connected tab with ``emit_update``. With ``redis_url`` set, both cross
workers and replicas.

Everything else calls the functions at the bottom; none of them raise if no tab is open.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import reflex as rx
from reflex.state import StateUpdate
from reflex_base.event import Event

from archive_app.db import session_scope
from archive_app.services import sources as source_service

if TYPE_CHECKING:
    from reflex.app import App

log = logging.getLogger(__name__)


@dataclass
class SourceView:
    """One row of Settings → Sources, as every member sees it."""

    source_id: int = 0
    kind: str = ""
    kind_name: str = ""
    handle: str = ""
    display_name: str = ""
    avatar_url: str = ""
    status_label: str = ""
    badge: str = "gray"
    days_text: str = ""
    connected_text: str = ""
    reason: str = ""
    is_disconnected: bool = False
    is_v1: bool = False
    reminder_emails: list[str] = field(default_factory=list)
    # Non-empty while a disconnection alert is open: "<source id>:<episode id>".
    alert_key: str = ""


def source_views(rows: list[source_service.SourceRow]) -> list[SourceView]:
    views = []
    for row in rows:
        days = row.days_remaining
        connected = ""
        if row.connected_at is not None:
            connected = "Connected " + row.connected_at.strftime("%b %d, %Y")
            if row.connected_by:
                connected += f" by {row.connected_by}"
        views.append(
            SourceView(
                source_id=row.source_id,
                kind=row.kind,
                kind_name=row.kind_name,
                handle=row.handle,
                display_name=row.display_name,
                avatar_url=row.avatar_url,
                status_label=row.status_label,
                badge=row.badge,
                days_text="" if days is None else f"{days} day{'' if days == 1 else 's'} remaining",
                connected_text=connected,
                reason=row.reason,
                is_disconnected=row.status == "disconnected",
                is_v1=row.kind == "tiktok_v1",
                reminder_emails=list(row.reminder_emails),
                alert_key=f"{row.source_id}:{row.alert_event_id}" if row.alert_event_id else "",
            )
        )
    return views


async def load_source_views(
    *, workspace_id: int, now: datetime, user_id: int | None
) -> list[SourceView]:
    """The Sources rows; ``user_id`` is checked for membership, ``None`` means the system."""

    def work() -> list[source_service.SourceRow]:
        with session_scope() as session:
            if user_id is None:
                return source_service.workspace_source_rows(
                    session, workspace_id=workspace_id, now=now
                )
            return source_service.list_sources(
                session, workspace_id=workspace_id, user_id=user_id, now=now
            )

    return source_views(await asyncio.to_thread(work))


async def publish_sources(workspace_id: int, *, now: datetime) -> None:
    """From a route or job: every open tab of the workspace shows the current Sources list.

    Not from inside an event handler: it holds this lock already (modify_state is not
    re-entrant); there, call ``show_sources`` on ``await self.get_state(WorkspaceLive)``.
    """
    views = await load_source_views(workspace_id=workspace_id, now=now, user_id=None)
    app = _app()
    token = rx.BaseStateToken(ident=link_token(workspace_id), cls=WorkspaceLive)
    async with app.modify_state(token) as root:
        shared = await root.get_state(WorkspaceLive)
        shared.show_sources(views)


class WorkspaceLive(rx.SharedState):
    """What every tab of one workspace sees change together. Keep it small."""

    member_count: int = 0
    sources: list[SourceView] = []
    sources_loaded: bool = False
    # Disconnected sources people must hear about: every tab shows a pop-up for each.
    alerts: list[SourceView] = []

    def show_sources(self, views: list[SourceView]) -> None:
        """Set the list, and the alerts derived from it, only where something changed."""
        if self.sources != views or not self.sources_loaded:
            self.sources = views
            self.sources_loaded = True
        alerts = [v for v in views if v.alert_key]
        if self.alerts != alerts:
            self.alerts = alerts


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
    return [t for t in list(shared._linked_from) if await tab_is_open(t)]


async def tab_is_open(token: str) -> bool:
    """Whether this tab still has a live websocket (background loops stop when it closes)."""
    app = _app()
    manager = app.event_namespace._token_manager if app.event_namespace else None
    return manager is not None and await manager.is_token_connected(token)


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
