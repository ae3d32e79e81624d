"""How a source row looks in Settings → Sources and in the disconnection pop-up."""

from __future__ import annotations

from dataclasses import dataclass, field

from archive_app.services.sources import SourceRow


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


def source_view(row: SourceRow) -> SourceView:
    days = row.days_remaining
    connected = ""
    if row.connected_at is not None:
        connected = "Connected " + row.connected_at.strftime("%b %d, %Y")
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
        is_disconnected=row.status == "disconnected",
        is_v1=row.kind == "tiktok_v1",
        reminder_emails=list(row.reminder_emails),
        alert_key=f"{row.source_id}:{row.alert_event_id}" if row.alert_event_id else "",
    )
