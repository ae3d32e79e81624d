"""Manage Rights: the table of a workspace's requests, its filters, `Copy message`, CSV export.

Every function checks membership and reads only the viewer's workspace; a request id from the
browser that is not in it is "not found".
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from archive_app.clock import utc
from archive_app.models.mentions import Creator, Mention
from archive_app.models.rights import RightsRequest, RightsRequestMention, RightsStatus
from archive_app.models.sources import Source
from archive_app.models.workspaces import User
from archive_app.services.errors import InvalidInput, NotFound
from archive_app.services.rights_query import LABELS, dm_text
from archive_app.services.rights_send import add_event, sync_mentions
from archive_app.services.team import require_member

# The table shows the newest requests first, this many at most (the filters narrow it).
PAGE = 200
GONE = "That request is no longer in this workspace."


@dataclass(frozen=True)
class RightsFilter:
    status: str = ""  # a RightsStatus code, "" = all
    creator_id: int | None = None
    since: date | None = None  # requested on or after (UTC)
    until: date | None = None  # requested on or before (UTC)

    def __post_init__(self) -> None:
        if self.status and self.status not in LABELS:
            raise InvalidInput("Choose a status from the list.", field="status")
        if self.since and self.until and self.since > self.until:
            raise InvalidInput("The start date is after the end date.", field="since")


@dataclass(frozen=True)
class Video:
    thumbnail_url: str
    url: str
    caption: str


@dataclass(frozen=True)
class RequestRow:
    request_id: int
    creator_id: int
    creator_handle: str
    creator_avatar: str
    status: str
    status_label: str
    reason: str
    queue_reason: str  # the code (integrations/tiktok/dm.py QueueReason, or tiktok_failed)
    sender_source_id: int | None
    message: str
    requested_at: datetime
    sent_at: datetime | None
    responded_at: datetime | None
    requested_by: str
    sender_handle: str
    status_set_by: str
    status_set_at: datetime | None
    sending: bool  # a DM attempt is under way
    videos: list[Video] = field(default_factory=list)


@dataclass(frozen=True)
class CreatorChoice:
    creator_id: int
    handle: str


def list_requests(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    filters: RightsFilter = RightsFilter(),
    limit: int = PAGE,
) -> list[RequestRow]:
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    by, set_by = aliased(User), aliased(User)
    query = (
        sa_select(RightsRequest, Creator, col(by.email), col(set_by.email), col(Source.handle))
        .join(Creator, col(Creator.id) == RightsRequest.creator_id)
        .outerjoin(by, col(by.id) == RightsRequest.requested_by_id)
        .outerjoin(set_by, col(set_by.id) == RightsRequest.status_set_by_id)
        .outerjoin(Source, col(Source.id) == RightsRequest.sender_source_id)
        .where(col(RightsRequest.workspace_id) == workspace_id)
    )
    if filters.status:
        query = query.where(col(RightsRequest.status) == filters.status)
    if filters.creator_id is not None:
        query = query.where(col(RightsRequest.creator_id) == filters.creator_id)
    if filters.since is not None:
        query = query.where(col(RightsRequest.created_at) >= _start(filters.since))
    if filters.until is not None:
        query = query.where(col(RightsRequest.created_at) < _start(filters.until) + timedelta(1))
    query = query.order_by(col(RightsRequest.created_at).desc(), col(RightsRequest.id).desc())
    found = session.execute(query.limit(limit)).tuples().all()
    videos = _videos(session, [r.id or 0 for r, *_ in found])
    return [
        RequestRow(
            request_id=r.id or 0,
            creator_id=c.id or 0,
            creator_handle=c.handle,
            creator_avatar=c.avatar_url,
            status=r.status,
            status_label=LABELS.get(r.status, r.status),
            reason=r.queue_detail if r.status == RightsStatus.in_queue else "",
            queue_reason=r.queue_reason if r.status == RightsStatus.in_queue else "",
            sender_source_id=r.sender_source_id,
            message=r.message,
            requested_at=r.created_at,
            sent_at=r.sent_at,
            responded_at=r.responded_at,
            requested_by=by_email or "",
            sender_handle=sender or "",
            status_set_by=set_by_email or "",
            status_set_at=r.status_set_at,
            sending=r.dm_started_at is not None,
            videos=videos.get(r.id or 0, []),
        )
        for r, c, by_email, set_by_email, sender in found
    ]


def _start(day: date) -> datetime:
    return utc(datetime.combine(day, time.min))


def _videos(session: Session, request_ids: list[int]) -> dict[int, list[Video]]:
    out: dict[int, list[Video]] = {}
    if not request_ids:
        return out
    rows = session.exec(
        select(RightsRequestMention.request_id, Mention)
        .join(Mention, col(Mention.id) == RightsRequestMention.mention_id)
        .where(col(RightsRequestMention.request_id).in_(request_ids))
        .order_by(col(Mention.posted_at))
    ).all()
    for request_id, m in rows:
        out.setdefault(request_id, []).append(Video(m.thumbnail_url, m.url, m.caption))
    return out


def creator_choices(session: Session, *, workspace_id: int, user_id: int) -> list[CreatorChoice]:
    """The creators this workspace has asked, for the creator filter."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    rows = session.exec(
        select(Creator.id, Creator.handle)
        .where(
            col(Creator.workspace_id) == workspace_id,
            col(Creator.id).in_(
                select(RightsRequest.creator_id).where(
                    col(RightsRequest.workspace_id) == workspace_id
                )
            ),
        )
        .order_by(col(Creator.handle))
    ).all()
    return [CreatorChoice(i or 0, h) for i, h in rows]


def get_request(session: Session, *, workspace_id: int, request_id: int) -> RightsRequest:
    request = session.get(RightsRequest, request_id)
    if request is None or request.workspace_id != workspace_id:
        raise NotFound(GONE)
    return request


def copy_text(session: Session, *, workspace_id: int, user_id: int, request_id: int) -> str:
    """`Copy message`: the message and the videos' links, to send by email or DM yourself."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    request = get_request(session, workspace_id=workspace_id, request_id=request_id)
    links = [v.url for v in _videos(session, [request_id]).get(request_id, []) if v.url]
    return dm_text(request.message, links)


CSV_COLUMNS = [
    "creator",
    "status",
    "reason",
    "requested at (UTC)",
    "sent at (UTC)",
    "responded at (UTC)",
    "requested by",
    "sent from",
    "status set by",
    "status set at (UTC)",
    "videos",
    "message",
]


def export_csv(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    filters: RightsFilter = RightsFilter(),
) -> str:
    """The filtered table as CSV (every matching request, not only the first page)."""
    rows = list_requests(
        session, workspace_id=workspace_id, user_id=user_id, filters=filters, limit=100_000
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)

    def at(value: datetime | None) -> str:
        return value.strftime("%Y-%m-%d %H:%M") if value else ""

    for row in rows:
        writer.writerow(
            [
                "@" + row.creator_handle,
                row.status_label,
                _safe(row.reason),
                at(row.requested_at),
                at(row.sent_at),
                at(row.responded_at),
                _safe(row.requested_by),
                "@" + row.sender_handle if row.sender_handle else "",
                _safe(row.status_set_by),
                at(row.status_set_at),
                " ".join(v.url for v in row.videos),
                _safe(row.message),
            ]
        )
    return out.getvalue()


def _safe(cell: str) -> str:
    """Typed text a spreadsheet must not run as a formula."""
    return "'" + cell if cell[:1] in {"=", "+", "-", "@", "\t", "\r"} else cell


MANUAL = {
    RightsStatus.approved.value: "Marked as Approved",
    RightsStatus.declined.value: "Marked as Declined",
    RightsStatus.requested.value: "Marked as Requested (sent outside Archive)",
}


def set_status(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    request_id: int,
    status: str,
    now: datetime,
) -> RightsRequest:
    """Mark a request Approved / Declined / Requested by hand (the creator answered, or you
    sent it yourself), with who and when. Archive sends nothing for it afterwards."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    if status not in MANUAL:
        raise InvalidInput("Choose a status from the list.", field="status")
    request = get_request(session, workspace_id=workspace_id, request_id=request_id)
    if request.status == status:
        return request
    request.status = status
    request.status_set_by_id, request.status_set_at = user_id, now
    request.updated_at = now
    request.responded_at = None if status == RightsStatus.requested else now
    request.next_attempt_at = None
    session.add(request)
    session.flush()
    add_event(session, request, now=now, detail=MANUAL[status], user_id=user_id)
    sync_mentions(session, request)
    return request
