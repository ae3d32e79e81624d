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
from archive_app.services.rights.query import LABELS, dm_text
from archive_app.services.team import require_member

# The table shows the newest requests first, this many more with each "Show more", up to
# MAX_SHOWN (the filters narrow it; Export CSV has every request that matches).
PAGE = 200
MAX_SHOWN = 5_000
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
    r = RightsRequest
    # Plain columns, not ORM objects: building 200 rows' entities was most of the time.
    query = (
        sa_select(
            col(r.id),
            col(r.creator_id),
            col(Creator.handle),
            col(Creator.avatar_url),
            col(r.status),
            col(r.queue_reason),
            col(r.queue_detail),
            col(r.sender_source_id),
            col(r.message),
            col(r.created_at),
            col(r.sent_at),
            col(r.responded_at),
            col(by.email),
            col(Source.handle),
            col(set_by.email),
            col(r.status_set_at),
            col(r.dm_started_at),
        )
        .join(Creator, col(Creator.id) == r.creator_id)
        .outerjoin(by, col(by.id) == r.requested_by_id)
        .outerjoin(set_by, col(set_by.id) == r.status_set_by_id)
        .outerjoin(Source, col(Source.id) == r.sender_source_id)
        .where(col(r.workspace_id) == workspace_id)
    )
    if filters.status:
        query = query.where(col(r.status) == filters.status)
    if filters.creator_id is not None:
        query = query.where(col(r.creator_id) == filters.creator_id)
    if filters.since is not None:
        query = query.where(col(r.created_at) >= _start(filters.since))
    if filters.until is not None:
        query = query.where(col(r.created_at) < _start(filters.until) + timedelta(1))
    query = query.order_by(col(r.created_at).desc(), col(r.id).desc()).limit(limit)
    found = session.execute(query).all()
    videos = _videos(session, [row[0] for row in found])
    rows = []
    for (
        request_id, creator_id, handle, avatar, status, code, detail, sender_id, message,
        created_at, sent_at, responded_at, by_email, sender, set_by_email, set_at, started_at,
    ) in found:  # fmt: skip
        queued = status == RightsStatus.in_queue
        rows.append(
            RequestRow(
                request_id=request_id,
                creator_id=creator_id,
                creator_handle=handle,
                creator_avatar=avatar,
                status=status,
                status_label=LABELS.get(status, status),
                reason=detail if queued else "",
                queue_reason=code if queued else "",
                sender_source_id=sender_id,
                message=message,
                requested_at=created_at,
                sent_at=sent_at,
                responded_at=responded_at,
                requested_by=by_email or "",
                sender_handle=sender or "",
                status_set_by=set_by_email or "",
                status_set_at=set_at,
                sending=started_at is not None,
                videos=videos.get(request_id, []),
            )
        )
    return rows


def _start(day: date) -> datetime:
    return utc(datetime.combine(day, time.min))


def _videos(session: Session, request_ids: list[int]) -> dict[int, list[Video]]:
    out: dict[int, list[Video]] = {}
    if not request_ids:
        return out
    rows = session.exec(
        select(RightsRequestMention.request_id, Mention.thumbnail_url, Mention.url, Mention.caption)
        .join(Mention, col(Mention.id) == RightsRequestMention.mention_id)
        .where(col(RightsRequestMention.request_id).in_(request_ids))
        .order_by(col(Mention.posted_at))
    ).all()
    for request_id, thumbnail_url, url, caption in rows:
        out.setdefault(request_id, []).append(Video(thumbnail_url, url, caption))
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
        cells = [
            "@" + row.creator_handle,
            row.status_label,
            row.reason,
            at(row.requested_at),
            at(row.sent_at),
            at(row.responded_at),
            row.requested_by,
            "@" + row.sender_handle if row.sender_handle else "",
            row.status_set_by,
            at(row.status_set_at),
            " ".join(v.url for v in row.videos),
            row.message,
        ]
        # Every cell, not only the typed ones: a handle or a link from TikTok is outside
        # text too, and "@..." or "=..." would run as a formula in a spreadsheet.
        writer.writerow([_safe(cell) for cell in cells])
    return out.getvalue()


def _safe(cell: str) -> str:
    """Text a spreadsheet must not run as a formula (OWASP's CSV injection guard)."""
    return "'" + cell if cell[:1] in {"=", "+", "-", "@", "\t", "\r"} else cell
