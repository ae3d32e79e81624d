"""Routing a rights request and sending it as a DM, at most once (DESIGN.md section 3).

Life of a request's DM::

    route ──no active v.1──> In Queue (no_v1_source / v1_disconnected), retried when one is active
      └──claim (dm_started_at, committed)──> send_dm(idempotency_key=dm_key) ──> record
             Sent ─────────────> Requested
             Queued(reason) ───> In Queue (creator_dm_setting, ...), retried with backoff
             TikTokError ──────> In Queue (tiktok_failed), retried with backoff

Nothing is sent twice. ``dm_key`` is written with the request, before any call, and every
send of that request carries it; the DM relay (the simulator, or the live relay you configure)
delivers a key once and answers a repeated key with the first message's id. So a process that
dies between the relay's "sent" and our commit leaves ``dm_started_at`` set; after ``LEASE`` the
retry job sends again with the same key and records the first message, without a second DM.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from archive_app import events
from archive_app.crypto import TokenCipher
from archive_app.integrations.tiktok.dm import DmResult, Queued, QueueReason, Sent
from archive_app.integrations.tiktok.dm import queue_reason_text as reason_text
from archive_app.integrations.tiktok.errors import TikTokError
from archive_app.integrations.tiktok.kinds import sending_kinds
from archive_app.integrations.tiktok.protocol import DmSend
from archive_app.models.mentions import Creator, CreatorFriendship, Mention
from archive_app.models.rights import (
    RightsEvent,
    RightsRequest,
    RightsRequestMention,
    RightsStatus,
)
from archive_app.models.sources import Source
from archive_app.services.rights.link import CreatorLinks
from archive_app.services.rights.query import active_senders, dm_text
from archive_app.services.sources import status as source_service

# A send takes seconds (TikTok timeout × retries); a claim older than this was cut off by a crash.
LEASE = timedelta(minutes=2)
# TikTok did not answer: 1, 2, 4 ... 60 minutes.
FAILED_BACKOFF = (timedelta(minutes=1), timedelta(hours=1))
# The creator's settings refused us: ask again after 15 minutes, doubling up to once a day (the
# attempt is how we learn they now accept Everyone or added the brand as a friend).
REFUSED_BACKOFF = (timedelta(minutes=15), timedelta(days=1))
TIKTOK_FAILED = "tiktok_failed"
# Waiting for a v.1 source, not for time: retried as soon as the workspace has an active one.
WAITS_FOR_SOURCE = (QueueReason.no_v1_source.value, QueueReason.v1_disconnected.value)


@dataclass(frozen=True)
class DmJob:
    request_id: int
    source_id: int
    sender_handle: str
    creator_handle: str
    text: str
    key: str
    access_token: str


def backoff(reason: str, attempts: int) -> timedelta | None:
    if reason in WAITS_FOR_SOURCE:
        return None
    first, most = FAILED_BACKOFF if reason == TIKTOK_FAILED else REFUSED_BACKOFF
    return min(first * 2 ** max(attempts - 1, 0), most)


def reason_words(reason: str, *, handle: str) -> str:
    if reason == TIKTOK_FAILED:
        return "TikTok did not answer when Archive sent the message. Archive retries on its own."
    return reason_text(QueueReason(reason), handle=handle)


def add_event(
    session: Session, request: RightsRequest, *, now: datetime, detail: str, user_id: int | None
) -> None:
    session.add(
        RightsEvent(
            request_id=request.id or 0,
            at=now,
            status=request.status,
            detail=detail[:300],
            user_id=user_id,
        )
    )
    events.record(session, events.RightsChanged(workspace_id=request.workspace_id))


def sync_mentions(session: Session, request: RightsRequest) -> None:
    """Copy the request's status onto its videos (the feed filters on it without a join)."""
    ids = select(RightsRequestMention.mention_id).where(
        RightsRequestMention.request_id == request.id
    )
    session.execute(
        update(Mention)
        .where(col(Mention.id).in_(ids), col(Mention.rights_request_id) == request.id)
        .values(rights_status=request.status)
    )


def queue(
    session: Session, request: RightsRequest, *, reason: str, now: datetime, detail: str = ""
) -> None:
    """In Queue with a reason a person can act on; one event when the reason changes."""
    creator = session.get(Creator, request.creator_id)
    words = reason_words(reason, handle=creator.handle if creator else "")
    if detail:
        words = f"{words} (TikTok said: {detail})"
    changed = request.queue_reason != reason or request.status != RightsStatus.in_queue
    request.status = RightsStatus.in_queue
    request.queue_reason, request.queue_detail = reason, words[:300]
    wait = backoff(reason, request.send_attempts)
    request.next_attempt_at = None if wait is None else now + wait
    request.dm_started_at = None
    request.updated_at = now
    session.add(request)
    session.flush()
    if changed:
        add_event(session, request, now=now, detail=words, user_id=None)
    sync_mentions(session, request)


def route_and_claim(
    session: Session,
    *,
    request: RightsRequest,
    now: datetime,
    cipher: TokenCipher,
    links: CreatorLinks,
) -> DmJob | None:
    """The DM to send now (the request claimed for it), or None: queued with the reason."""
    senders = active_senders(session, workspace_id=request.workspace_id)
    chosen = next((s for s in senders if s.source_id == request.sender_source_id), None)
    chosen = chosen or (senders[0] if senders else None)
    source = session.get(Source, chosen.source_id) if chosen else None
    token = source_service.access_token(session, source=source, cipher=cipher) if source else None
    if source is None or token is None:
        has_v1 = session.exec(
            select(Source.id)
            .where(
                Source.workspace_id == request.workspace_id,
                col(Source.kind).in_(sending_kinds()),
            )
            .order_by(col(Source.id))
        ).first()
        if has_v1 is not None and request.sender_source_id is None:
            request.sender_source_id = has_v1  # the account to reconnect (Manage Rights links it)
        reason = QueueReason.v1_disconnected if has_v1 else QueueReason.no_v1_source
        queue(session, request, reason=reason.value, now=now)
        return None
    claimed = session.execute(
        update(RightsRequest)
        .where(
            col(RightsRequest.id) == request.id,
            col(RightsRequest.status) == RightsStatus.in_queue.value,
            or_(
                col(RightsRequest.dm_started_at).is_(None),
                col(RightsRequest.dm_started_at) < now - LEASE,
            ),
        )
        .values(
            dm_started_at=now,
            send_attempts=RightsRequest.send_attempts + 1,
            sender_source_id=source.id,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None  # another attempt holds it right now
    session.refresh(request)
    creator = session.get(Creator, request.creator_id)
    assert creator is not None and request.dm_key is not None
    answer_url = links.ensure(session, request)
    return DmJob(
        request_id=request.id or 0,
        source_id=source.id or 0,
        sender_handle=source.handle,
        creator_handle=creator.handle,
        text=dm_text(request.message, request_links(session, request), answer_url),
        key=request.dm_key,
        access_token=token,
    )


def request_links(session: Session, request: RightsRequest) -> list[str]:
    rows = session.exec(
        select(Mention.url)
        .join(RightsRequestMention, col(RightsRequestMention.mention_id) == Mention.id)
        .where(RightsRequestMention.request_id == request.id)
        .order_by(col(Mention.posted_at))
    ).all()
    return [url for url in rows if url]


async def send(gateway: DmSend, job: DmJob) -> DmResult | TikTokError:
    try:
        return await gateway.send_dm(
            access_token=job.access_token,
            creator_handle=job.creator_handle,
            text=job.text,
            idempotency_key=job.key,
        )
    except TikTokError as exc:
        return exc


def record(session: Session, *, job: DmJob, result: DmResult | TikTokError, now: datetime) -> None:
    """Save what became of a send (the claim ends here)."""
    request = session.get(RightsRequest, job.request_id)
    if request is None:
        return  # the workspace was deleted meanwhile
    if isinstance(result, Sent):
        request.sent_at = request.sent_at or now
        request.dm_started_at = None
        request.next_attempt_at = None
        request.queue_reason = request.queue_detail = ""
        request.updated_at = now
        if request.status == RightsStatus.in_queue:
            request.status = RightsStatus.requested
            session.add(request)
            session.flush()
            add_event(
                session,
                request,
                now=now,
                detail=f"Sent as a DM from @{job.sender_handle}",
                user_id=None,
            )
            sync_mentions(session, request)
        session.add(request)
        return
    if request.status != RightsStatus.in_queue:
        request.dm_started_at = None  # someone set the status by hand meanwhile: keep theirs
        session.add(request)
        return
    if isinstance(result, Queued):
        if result.reason == QueueReason.creator_dm_setting:
            _learn_not_friends(session, request=request, source_id=job.source_id, now=now)
        queue(session, request, reason=result.reason.value, now=now, detail=result.detail)
    else:
        queue(session, request, reason=TIKTOK_FAILED, now=now)


def _learn_not_friends(
    session: Session, *, request: RightsRequest, source_id: int, now: datetime
) -> None:
    """TikTok refused on the creator's settings: not Everyone, and not a friend of this account."""
    known = session.get(CreatorFriendship, (request.creator_id, source_id))
    if known is None:
        known = CreatorFriendship(creator_id=request.creator_id, source_id=source_id)
    known.is_friend, known.learned_at = False, now
    session.add(known)
    creator = session.get(Creator, request.creator_id)
    if creator is not None and creator.dm_setting == "everyone":
        creator.dm_setting, creator.dm_setting_at = "unknown", now  # what we knew was stale
        session.add(creator)
