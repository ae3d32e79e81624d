"""Manage Rights: the table of a workspace's requests, its filters, `Copy message`, CSV export.

Every function checks membership and reads only the viewer's workspace; a request id from the
browser that is not in it is "not found".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import exists, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from archive_app import events
from archive_app.crypto import TokenCipher
from archive_app.models.media import MediaKind, MediaObject
from archive_app.models.mentions import Creator, Mention
from archive_app.models.rights import RightsRequest, RightsRequestMention, RightsStatus
from archive_app.models.rights_proof import RightsProof
from archive_app.models.sources import Source
from archive_app.models.workspaces import User
from archive_app.services.among import among
from archive_app.services.errors import NotFound
from archive_app.services.media.avatars import avatar_url
from archive_app.services.media.covers import cover_urls
from archive_app.services.media.originals import original_url
from archive_app.services.rights.filters import SCOPE_LABELS, RightsFilter, narrow
from archive_app.services.rights.link import CreatorLinks
from archive_app.services.rights.query import LABELS, dm_text
from archive_app.services.rights.send import add_event
from archive_app.services.rights.spark import is_expired, show_code
from archive_app.services.team import require_member

__all__ = ["RightsFilter"]  # where Manage Rights' callers have always found it

# The table shows the newest requests first, this many more with each "Show more", up to
# MAX_SHOWN (the filters narrow it; Export CSV has every request that matches).
PAGE = 200
MAX_SHOWN = 5_000
GONE = "That request is no longer in this workspace."


@dataclass(frozen=True)
class Video:
    thumbnail_url: str
    url: str
    caption: str
    mention_id: int = 0
    video_id: str = ""
    removed_at: datetime | None = None  # gone from TikTok (services/media/videos.py)


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
    scope: str = "usage_rights"
    scope_label: str = "Usage Rights"
    spark_duration_days: int | None = None
    spark_code: str = ""  # decrypted, for Manage Rights' copy button ("" when none)
    spark_expires_at: datetime | None = None
    expired: bool = False  # the Spark code's expiry has passed
    has_proof: bool = False  # the creator answered on their page: /rights/<id>/proof
    original_url: str = ""  # `Download original`: the creator's file (approved requests only)

    @property
    def mention_ids(self) -> list[int]:
        return [v.mention_id for v in self.videos]


def list_requests(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    filters: RightsFilter = RightsFilter(),
    limit: int = PAGE,
    cipher: TokenCipher | None = None,
    now: datetime | None = None,
) -> list[RequestRow]:
    """The requests that match, newest first; removed ones are left out. With ``cipher`` the
    Spark codes are decrypted; with ``now`` an expired code says so."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    return requests_of(
        session, workspace_id=workspace_id, filters=filters, limit=limit, cipher=cipher, now=now
    )


def requests_of(
    session: Session,
    *,
    workspace_id: int,
    filters: RightsFilter,
    limit: int = PAGE,
    cipher: TokenCipher | None = None,
    now: datetime | None = None,
    media: bool = True,
) -> list[RequestRow]:
    """:func:`list_requests` once the viewer's membership is checked. Without ``media`` the
    rows have no videos (a creator's header needs only the dates and statuses)."""
    r = RightsRequest

    def one(column: Any, *where: Any) -> Any:
        return sa_select(column).where(*where).scalar_subquery()

    # Plain columns, not ORM objects: building 200 rows' entities was most of the time. The
    # names, the proof and the original are one-row subqueries, not joins: with five outer
    # joins PostgreSQL spent 2.4 ms planning each run (the rows themselves took 1.9 ms).
    query = (
        sa_select(
            col(r.id),
            col(r.creator_id),
            col(Creator.handle),
            col(Creator.avatar_key),
            col(r.status),
            col(r.queue_reason),
            col(r.queue_detail),
            col(r.sender_source_id),
            col(r.message),
            col(r.created_at),
            col(r.sent_at),
            col(r.responded_at),
            one(col(User.email), col(User.id) == r.requested_by_id),
            one(col(Source.handle), col(Source.id) == r.sender_source_id),
            one(col(User.email), col(User.id) == r.status_set_by_id),
            col(r.status_set_at),
            col(r.dm_started_at),
            col(r.scope),
            col(r.spark_duration_days),
            col(r.spark_code_enc),
            col(r.spark_expires_at),
            exists().where(col(RightsProof.request_id) == r.id),
            # `Download original`: an approved request's original (one per request at most:
            # ux_media_objects_request); a request approved, then changed, offers none.
            one(
                col(MediaObject.key),
                col(MediaObject.request_id) == r.id,
                col(MediaObject.kind) == MediaKind.original,
                col(r.status) == RightsStatus.approved,
            ),
        )
        .join(Creator, col(Creator.id) == r.creator_id)
        .where(col(r.workspace_id) == workspace_id, col(r.withdrawn_at).is_(None))
    )
    query = narrow(query, filters, workspace_id=workspace_id)
    query = query.order_by(col(r.created_at).desc(), col(r.id).desc()).limit(limit)
    # Through the connection (SQLAlchemy Core): plain rows, without the ORM's per-row work.
    # That skips the session's autoflush, so what this unit of work changed is written first.
    session.flush()
    found = session.connection().execute(query).all()
    videos = _videos(session, [row[0] for row in found]) if media else {}
    rows = []
    for (
        request_id, creator_id, handle, avatar, status, code, detail, sender_id, message,
        created_at, sent_at, responded_at, by_email, sender, set_by_email, set_at, started_at,
        scope, duration, code_enc, expires_at, has_proof, original_key,
    ) in found:  # fmt: skip
        queued = status == RightsStatus.in_queue
        rows.append(
            RequestRow(
                request_id=request_id,
                creator_id=creator_id,
                creator_handle=handle,
                creator_avatar=avatar_url(avatar),
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
                scope=scope,
                scope_label=SCOPE_LABELS.get(scope, scope),
                spark_duration_days=duration,
                spark_code=show_code(cipher, code_enc) if cipher else "",
                spark_expires_at=expires_at,
                expired=now is not None and is_expired(expires_at, now=now),
                has_proof=bool(has_proof),
                original_url=original_url(original_key) if original_key and media else "",
            )
        )
    return rows


def _videos(session: Session, request_ids: list[int]) -> dict[int, list[Video]]:
    out: dict[int, list[Video]] = {}
    if not request_ids:
        return out
    rows = (
        session.connection()
        .execute(
            sa_select(
                col(RightsRequestMention.request_id),
                col(Mention.video_id),
                col(Mention.url),
                col(Mention.caption),
                col(Mention.id),
                col(Mention.removed_at),
            )
            .join(Mention, col(Mention.id) == RightsRequestMention.mention_id)
            .where(among(session, col(RightsRequestMention.request_id), request_ids))
            .order_by(col(Mention.posted_at))
        )
        .all()
    )
    covers = cover_urls(session, [row[4] or 0 for row in rows])  # Archive's, never TikTok's
    for request_id, video_id, url, caption, mention_id, removed_at in rows:
        cover = covers.get(mention_id or 0, "")
        video = Video(cover, url, caption, mention_id or 0, video_id, removed_at)
        out.setdefault(request_id, []).append(video)
    return out


def get_request(session: Session, *, workspace_id: int, request_id: int) -> RightsRequest:
    request = session.get(RightsRequest, request_id)
    if request is None or request.workspace_id != workspace_id:
        raise NotFound(GONE)
    return request


def copy_text(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    request_id: int,
    links: CreatorLinks,
) -> str:
    """`Copy message`: the message, the videos' links and the creator's link (``link.py``),
    to send by email or DM yourself."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    request = get_request(session, workspace_id=workspace_id, request_id=request_id)
    videos = [v.url for v in _videos(session, [request_id]).get(request_id, []) if v.url]
    answer_url = links.ensure(session, request)
    return dm_text(request.message, videos, answer_url)


def remove_request(
    session: Session, *, workspace_id: int, user_id: int, request_id: int, now: datetime
) -> RightsRequest:
    """`Remove request`: off the table and its link says withdrawn; the row and its history
    stay. Its videos may be asked for again (a queued DM is never sent: retries skip it)."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    request = get_request(session, workspace_id=workspace_id, request_id=request_id)
    if request.withdrawn_at is not None:
        raise NotFound(GONE)
    request.withdrawn_at = request.updated_at = now
    request.next_attempt_at = None
    session.add(request)
    session.execute(
        update(Mention)
        .where(col(Mention.rights_request_id) == request.id)
        .values(rights_request_id=None, rights_status="")
        .execution_options(synchronize_session=False)
    )
    add_event(session, request, now=now, detail="Request removed", user_id=user_id)
    events.record(session, events.RightsChanged(workspace_id=workspace_id))
    return request
