"""Retrying queued rights requests: the ``retry_queued_dms`` job and Manage Rights' `Retry sending`.

A queued request is due again when its reason may have gone away:

- ``no_v1_source`` / ``v1_disconnected``: as soon as the workspace has an active v.1 source
  (connected or reconnected); no TikTok call is made before that.
- ``creator_dm_setting`` (and TikTok's other refusals): TikTok tells nobody when a creator
  switches to Everyone or adds the brand as a friend, so the attempt itself is how we find out:
  after 15 minutes, then doubling up to once a day (``rights_send.REFUSED_BACKOFF``), and at once
  when Archive learns the creator now accepts Everyone or is a friend of one of our v.1 accounts.
- ``tiktok_failed``: 1, 2, 4 ... 60 minutes.
- a send that started and never finished (the process died): after ``rights_send.LEASE``, with
  the same idempotency key, so a DM that did go out is recorded, not sent again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, exists, or_
from sqlmodel import Session, col, select

from archive_app.crypto import TokenCipher
from archive_app.db import Db
from archive_app.integrations.tiktok.kinds import sending_kinds
from archive_app.integrations.tiktok.protocol import DmSend
from archive_app.models.mentions import Creator, CreatorFriendship
from archive_app.models.rights import RightsRequest, RightsStatus
from archive_app.models.sources import Source, SourceStatus
from archive_app.services.errors import InvalidInput, NotFound
from archive_app.services.rights.link import CreatorLinks
from archive_app.services.rights.requests import Outcome, attempt
from archive_app.services.rights.send import LEASE, WAITS_FOR_SOURCE
from archive_app.services.team import require_member

BATCH = 100


@dataclass
class RetryResult:
    tried: int = 0
    sent: int = 0
    queued: int = 0
    # Workspaces whose requests changed: their open tabs are told (Topic.rights).
    workspaces: set[int] = field(default_factory=set)


def due_requests(session: Session, *, now: datetime, limit: int = BATCH) -> list[int]:
    """Queued requests worth another attempt now, oldest first."""
    r = RightsRequest
    active_v1 = exists().where(
        col(Source.workspace_id) == r.workspace_id,
        col(Source.kind).in_(sending_kinds()),
        col(Source.status).in_([SourceStatus.active.value, SourceStatus.degraded.value]),
    )
    creator_opened = exists().where(
        col(Creator.id) == r.creator_id,
        col(Creator.dm_setting) == "everyone",
        col(Creator.dm_setting_at) > r.updated_at,
    )
    became_friends = exists().where(
        col(CreatorFriendship.creator_id) == r.creator_id,
        col(CreatorFriendship.is_friend).is_(True),
        col(CreatorFriendship.learned_at) > r.updated_at,
    )
    idle = col(r.dm_started_at).is_(None)
    stale = now - LEASE
    rows = session.exec(
        select(r.id)
        .where(
            col(r.status) == RightsStatus.in_queue.value,
            col(r.withdrawn_at).is_(None),  # removed from Manage Rights: never sent
            or_(
                # cut off mid-send, or saved and never routed (a crash right after submitting)
                col(r.dm_started_at) < stale,
                and_(idle, col(r.queue_reason) == "", col(r.created_at) < stale),
                and_(idle, col(r.queue_reason).in_(WAITS_FOR_SOURCE), active_v1),
                and_(
                    idle,
                    col(r.queue_reason).not_in([*WAITS_FOR_SOURCE, ""]),
                    or_(col(r.next_attempt_at) <= now, creator_opened, became_friends),
                ),
            ),
        )
        .order_by(col(r.created_at), col(r.id))
        .limit(limit)
    ).all()
    return [i for i in rows if i is not None]


async def retry_queued(
    db: Db,
    *,
    now: datetime,
    gateway: DmSend,
    cipher: TokenCipher,
    limit: int = BATCH,
    links: CreatorLinks,
) -> RetryResult:
    """The ``retry_queued_dms`` job: one attempt for each due request (never a second DM)."""
    result = RetryResult()
    for request_id in await db(lambda s: due_requests(s, now=now, limit=limit)):
        before = await db(lambda s: _snapshot(s, request_id))  # noqa: B023 (awaited at once)
        outcome = await attempt(
            db, request_id=request_id, now=now, gateway=gateway, cipher=cipher, links=links
        )
        result.tried += 1
        if outcome.sent:
            result.sent += 1
        else:
            result.queued += 1
        if before is not None and before[1] != (outcome.status, outcome.reason):
            result.workspaces.add(before[0])
    return result


def _snapshot(session: Session, request_id: int) -> tuple[int, tuple[str, str]] | None:
    request = session.get(RightsRequest, request_id)
    if request is None:
        return None
    reason = request.queue_detail if request.status == RightsStatus.in_queue else ""
    return request.workspace_id, (request.status, reason)


async def retry_request(
    db: Db,
    *,
    workspace_id: int,
    user_id: int,
    request_id: int,
    now: datetime,
    gateway: DmSend,
    cipher: TokenCipher,
    links: CreatorLinks,
) -> Outcome:
    """Manage Rights' `Retry sending`: one attempt now, whatever the backoff says."""

    def check(session: Session) -> None:
        require_member(session, workspace_id=workspace_id, user_id=user_id)
        request = session.get(RightsRequest, request_id)
        if request is None or request.workspace_id != workspace_id:
            raise NotFound("That request is no longer in this workspace.")
        if request.status != RightsStatus.in_queue:
            raise InvalidInput("Only a request In Queue can be sent again.")
        if request.dm_started_at is not None and request.dm_started_at >= now - LEASE:
            raise InvalidInput("Archive is sending this request right now. Wait a moment.")
        request.next_attempt_at = now
        session.add(request)

    await db(check)
    return await attempt(
        db, request_id=request_id, now=now, gateway=gateway, cipher=cipher, links=links
    )
