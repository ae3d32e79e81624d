"""What a Manage Rights row shows: display dataclasses built from ``rights_manage.RequestRow``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from archive_app import dates, paths
from archive_app.models.rights import RightsScope, RightsStatus
from archive_app.services.rights import manage as service
from archive_app.states.feed_views import player_url, removed_text

BADGES: dict[str, str] = {
    RightsStatus.in_queue: "amber",
    RightsStatus.requested: "blue",
    RightsStatus.approved: "green",
    RightsStatus.declined: "red",
}


@dataclass
class VideoView:
    thumbnail_url: str = ""  # Archive's copy of the cover ("" while not kept)
    url: str = ""
    alt: str = ""
    handle: str = ""
    player_url: str = ""  # TikTok's embed player ("" when removed from TikTok)
    removed: str = ""


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
    scope_label: str = ""
    spark: bool = False  # a Spark Code request
    spark_duration: str = ""  # "30 days"
    code: str = ""  # the creator's Spark Ads code, once approved
    expires: str = ""  # "Expires Jan 05, 2027" / "Expired Jan 05, 2027"
    expired: bool = False
    proof_href: str = ""  # the proof page, when the creator answered there
    original_url: str = ""  # `Download original` (approved; the creator gave the file)
    # `Request again` (an expired code): the video to ask about again
    again_mention_id: int = 0
    again_days: int = 0


@dataclass
class CreatorOption:
    creator_id: str = ""
    handle: str = ""


def marked(rows: list[RequestView], request_id: int, status: str) -> list[RequestView] | None:
    """The rows with one request shown as marked ``status`` by hand, at once (the reload the
    change causes confirms it); None when it is not on show or not a status one sets by hand."""
    label: dict[str, str] = {
        RightsStatus.requested: "Requested",
        RightsStatus.approved: "Approved",
        RightsStatus.declined: "Declined",
    }
    row = next((r for r in rows if r.request_id == request_id), None)
    if row is None or status not in label:
        return None
    row.status, row.status_label, row.badge = status, label[status], BADGES[status]
    return list(rows)


def _day(value: datetime | None) -> str:
    return dates.day(value) if value else ""


def request_view(row: service.RequestRow, *, embed_url: str = "") -> RequestView:
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
        can_retry=row.status == RightsStatus.in_queue and not row.sending,
        videos=[_video_view(v, row.creator_handle, embed_url) for v in row.videos],
        **_spark_fields(row),
    )


def _video_view(video: service.Video, handle: str, embed_url: str) -> VideoView:
    return VideoView(
        thumbnail_url=video.thumbnail_url,
        url=video.url,
        alt=f"Video by @{handle}: {video.caption}"[:200],
        handle=handle,
        player_url="" if video.removed_at else player_url(embed_url, video.video_id),
        removed=removed_text(video.removed_at),
    )


def _spark_fields(row: service.RequestRow) -> dict[str, Any]:
    """Scope, the Spark code and its expiry, and the proof link of a row."""
    spark = row.scope == RightsScope.spark_code
    expires = ""
    if row.spark_expires_at is not None:
        expires = ("Expired " if row.expired else "Expires ") + _day(row.spark_expires_at)
    again = row.mention_ids[0] if spark and row.expired and row.mention_ids else 0
    return {
        "scope_label": row.scope_label,
        "spark": spark,
        "spark_duration": f"{row.spark_duration_days} days" if row.spark_duration_days else "",
        "code": row.spark_code if not row.expired else "",
        "expires": expires,
        "expired": row.expired,
        "proof_href": paths.rights_proof(row.request_id) if row.has_proof else "",
        "original_url": row.original_url,
        "again_mention_id": again,
        "again_days": row.spark_duration_days or 0 if again else 0,
    }


# Manage Rights' `Add Filter` menu: the filter's name in the URL's terms, and its label.
FILTERS = {
    "status": "Status",
    "scope": "Scope",
    "requested": "Request Date",
    "responded": "Response Date",
}
# The URL's filter parameters, each kept in RightsState's ``filter_<name>`` var (named one by
# one in ``filtered``: Reflex recomputes a computed var when the vars it reads change).
URL_PARAMS = ("status", "scope", "requested_from", "requested_to", "responded_from",
              "responded_to", "q")  # fmt: skip
# Which URL parameters each filter owns.
FILTER_PARAMS = {
    "status": ("status",),
    "scope": ("scope",),
    "requested": ("requested_from", "requested_to"),
    "responded": ("responded_from", "responded_to"),
}


def shown_filters(query: dict[str, str], before: list[str]) -> list[str]:
    """The filters whose controls are on screen: those added in this tab, and any the URL sets."""
    with_value = [name for name, params in FILTER_PARAMS.items() if any(p in query for p in params)]
    return [name for name in FILTERS if name in before or name in with_value]
