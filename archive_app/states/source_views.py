"""How a source looks in Settings → Sources and in the disconnection pop-up, and the small
helpers the Sources page's states share (reading a source now, the reminder chips)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from archive_app import dates, deps
from archive_app.models.sources import SourceStatus
from archive_app.services.errors import ServiceError
from archive_app.services.sources import reminders as reminders_service
from archive_app.services.sources import status as sources_service
from archive_app.services.sources.status import SourceRow
from archive_app.states.args import id_arg


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
    # Disconnected or expired: the row offers Reconnect (and no Disconnect).
    needs_reconnect: bool = False
    # Working but near its deadline: the row offers Reconnect next to Disconnect.
    can_renew: bool = False
    checked_text: str = ""
    reminder_text: str = ""
    # From the kinds table (services/sources.SourceRow): how it (re)connects; reminders.
    connects_by_qr: bool = False
    has_reminders: bool = False
    reminder_emails: list[str] = field(default_factory=list)
    # Non-empty while a disconnection alert is open: "<source id>:<episode id>".
    alert_key: str = ""


def source_view(row: SourceRow) -> SourceView:
    days = row.days_remaining
    connected = ""
    if row.connected_at is not None:
        connected = "Connected " + dates.day(row.connected_at)
        if row.connected_by:
            connected += f" by {row.connected_by}"
    return SourceView(
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
        is_disconnected=row.status == SourceStatus.disconnected,
        needs_reconnect=row.status in ENDED,
        can_renew=row.renewable,
        checked_text=_checked_text(row),
        reminder_text=_reminder_text(row),
        connects_by_qr=row.connects_by_qr,
        has_reminders=row.has_reminders,
        reminder_emails=list(row.reminder_emails),
        alert_key=f"{row.source_id}:{row.alert_event_id}" if row.alert_event_id else "",
    )


def _checked_text(row: SourceRow) -> str:
    if row.last_checked_at is None:
        return "" if row.status in ENDED else "Not checked yet"
    when = dates.day_time(row.last_checked_at)
    if row.status in (SourceStatus.degraded, *ENDED):
        # the last check did not get an answer (the reason says when): say what this time is
        return "TikTok last answered " + when
    return "Last checked " + when


def _reminder_text(row: SourceRow) -> str:
    if row.next_reminder_at is None or row.next_reminder_step is None:
        return ""
    step = row.next_reminder_step
    return (
        f"Next reminder {dates.day(row.next_reminder_at)} "
        f"({step} day{'' if step == 1 else 's'} before the deadline)"
    )


# A pasted list of every address reminders may go to (10 × 320) and more: text a page of ours
# never sends (the field stops at this length).
# A source that no longer works until someone reconnects it.
ENDED = (SourceStatus.disconnected, SourceStatus.expired)
MAX_TYPED = 4000


async def find_source(state: Any, source_id: int) -> SourceView | None:
    """A source of the viewer's workspace, read now from the database.

    ``state`` is any signed-in page state (it resolves the viewer from the cookie). The
    ``sources`` var a tab shows is a pushed display var, not something to decide from.
    """
    try:
        viewer = await state._viewer()
        now = deps.current().clock.now()
        rows = await deps.run_db(
            lambda s: sources_service.list_sources(
                s, workspace_id=viewer.workspace_id, user_id=viewer.user_id, now=now
            )
        )
    except ServiceError:
        return None
    return next((source_view(r) for r in rows if r.source_id == source_id), None)


def add_reminder_chip(emails: list[str], raw: str) -> tuple[list[str], str]:
    """The reminder list with ``raw`` added, or the list unchanged and why not (naming the
    address that is wrong). ``raw`` may be a pasted list: split on commas, semicolons, spaces
    and new lines, every address checked before any is added.

    The same rule the service applies when the list is saved (``clean_reminder_emails``).
    """
    typed = reminders_service.split_addresses(raw) or [raw]
    try:
        return reminders_service.clean_reminder_emails([*emails, *typed]), ""
    except ServiceError as exc:
        return emails, exc.message


def query_id(query: Mapping[str, str], name: str) -> int | None:
    """An id from the page's query string (a link we sent), or None."""
    try:
        return id_arg(query.get(name, ""))
    except ValueError:
        return None
