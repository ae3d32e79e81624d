"""What a Manage Rights row shows: display dataclasses built from ``rights_manage.RequestRow``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from archive_app import paths
from archive_app.services.rights import manage as service

BADGES = {"in_queue": "amber", "requested": "blue", "approved": "green", "declined": "red"}


@dataclass
class VideoView:
    thumbnail_url: str = ""
    url: str = ""
    alt: str = ""


@dataclass
class RequestView:
    request_id: int = 0
    creator_handle: str = ""
    status: str = ""
    status_label: str = ""
    badge: str = "gray"
    reason: str = ""
    requested: str = ""
    responded: str = ""
    requested_by: str = ""
    sender: str = ""
    set_by: str = ""
    # What to do about the queue reason, when it is a source: a link to Settings → Sources.
    fix_label: str = ""
    fix_href: str = ""
    can_retry: bool = False
    videos: list[VideoView] = field(default_factory=list)


@dataclass
class CreatorOption:
    creator_id: str = ""
    handle: str = ""


def _day(value: datetime | None) -> str:
    return value.strftime("%b %d, %Y") if value else ""


def request_view(row: service.RequestRow) -> RequestView:
    set_by = ""
    if row.status_set_by and row.status_set_at:
        set_by = f"Set to {row.status_label} by {row.status_set_by} on {_day(row.status_set_at)}"
    fix_label = fix_href = ""
    if row.queue_reason == "v1_disconnected":
        fix_label = "Reconnect " + ("@" + row.sender_handle if row.sender_handle else "it")
        fix_href = paths.reconnect(row.sender_source_id) if row.sender_source_id else paths.SOURCES
    elif row.queue_reason == "no_v1_source":
        fix_label, fix_href = "Connect a TikTok Account v.1", paths.SOURCES
    return RequestView(
        request_id=row.request_id,
        creator_handle=row.creator_handle,
        status=row.status,
        status_label=row.status_label,
        badge=BADGES.get(row.status, "gray"),
        reason=row.reason + (" Sending now…" if row.sending else ""),
        requested=_day(row.requested_at),
        responded=_day(row.responded_at),
        requested_by=row.requested_by,
        sender="@" + row.sender_handle if row.sender_handle else "",
        set_by=set_by,
        fix_label=fix_label,
        fix_href=fix_href,
        can_retry=row.status == "in_queue" and not row.sending,
        videos=[
            VideoView(v.thumbnail_url, v.url, f"Video by @{row.creator_handle}: {v.caption}"[:200])
            for v in row.videos
        ],
    )
