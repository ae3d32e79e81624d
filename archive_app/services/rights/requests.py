"""Usage-rights requests: the default message, submitting, and retrying queued DMs.

Routing (DESIGN.md section 3, the spec's FAQ): a request is sent as a DM at once only from an
active TikTok Account v.1 source, and only if TikTok delivers it (the creator accepts DMs from
Everyone, or from Friends / Suggested friends and the sending account is one). Otherwise it is
``In Queue`` with the reason in words a person can act on, and retried when the reason goes
away (``retry_queued``). The sending itself, at most once, is ``rights_send.py``.

Async functions take ``db`` (a runner of one unit of work off the event loop) and the v.1
gateway, as ``connect.py`` does; tests pass a temp database and the simulator or a fake.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from archive_app.crypto import TokenCipher
from archive_app.db import Db
from archive_app.integrations.tiktok.protocol import DmSend
from archive_app.models.mentions import Creator, Mention
from archive_app.models.rights import (
    RightsDefault,
    RightsRequest,
    RightsRequestMention,
    RightsScope,
    RightsStatus,
)
from archive_app.services.errors import InvalidInput, NotFound
from archive_app.services.rights import spark
from archive_app.services.rights.link import CreatorLinks
from archive_app.services.rights.query import (
    LABELS,
    active_senders,
    check_message,
    check_not_requested,
    load_mentions,
)
from archive_app.services.rights.send import DmJob, add_event, record, route_and_claim, send
from archive_app.services.rights.terms import CURRENT, TermsChoice, terms_for_request
from archive_app.services.team import require_member


@dataclass(frozen=True)
class Outcome:
    request_id: int
    status: str
    reason: str  # the queue reason's words ("" when sent)
    toast: str

    @property
    def sent(self) -> bool:
        return self.status == RightsStatus.requested


def save_default_message(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    message: str,
    now: datetime,
    scope: str = RightsScope.usage_rights,
) -> str:
    """Save as Default Message: every new request of the workspace (of that scope: a Spark Ads
    Code request has its own) starts with it."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    text = check_message(message, [])
    if scope == RightsScope.spark_code:
        spark.save_spark_default(
            session, workspace_id=workspace_id, user_id=user_id, text=text, now=now
        )
        return text
    row = session.get(RightsDefault, workspace_id) or RightsDefault(
        workspace_id=workspace_id, message=text, updated_at=now
    )
    row.message, row.updated_at, row.updated_by_id = text, now, user_id
    session.add(row)
    return text


def create_request(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    mention_ids: Sequence[int],
    message: str,
    sender_source_id: int | None,
    now: datetime,
    scope: str = RightsScope.usage_rights,
    spark_duration_days: int | None = None,
    terms: TermsChoice = CURRENT,
    links: CreatorLinks,
) -> RightsRequest:
    """Check everything, then save the request In Queue (its dm_key written before any send).
    The request gets its creator's link (``link.py``), counted in the limit."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    creator, mentions = load_mentions(session, workspace_id=workspace_id, mention_ids=mention_ids)
    chosen_scope, duration = spark.check_scope(scope, spark_duration_days)
    if chosen_scope is RightsScope.spark_code:
        spark.check_spark_video(session, mentions=mentions)
    else:
        check_not_requested(session, mentions=mentions)
    answer_url = links.placeholder_url()
    text = check_message(message, [m.url for m in mentions if m.url], answer_url)
    if sender_source_id is not None and sender_source_id not in {
        s.source_id for s in active_senders(session, workspace_id=workspace_id)
    }:
        raise InvalidInput(
            "That TikTok account can no longer send messages. Choose another one.",
            field="sender",
        )
    request = RightsRequest(
        workspace_id=workspace_id,
        creator_id=creator.id or 0,
        message=text,
        requested_by_id=user_id,
        sender_source_id=sender_source_id,
        created_at=now,
        updated_at=now,
        dm_key=secrets.token_hex(16),
        scope=chosen_scope.value,
        spark_duration_days=duration,
        terms_id=terms_for_request(
            session, workspace_id=workspace_id, user_id=user_id, choice=terms, now=now
        ),
    )
    session.add(request)
    session.flush()
    links.ensure(session, request)
    ids = [m.id or 0 for m in mentions]
    if chosen_scope is RightsScope.spark_code:
        # A Spark request leaves the video's usage-rights claim (the Feed's badge) alone.
        session.add(RightsRequestMention(request_id=request.id or 0, mention_id=ids[0]))
        add_event(session, request, now=now, detail="Spark Ads Code requested", user_id=user_id)
        return request
    # Claim the videos: only one open request per video, even when two tabs submit at once.
    claimed = session.execute(
        update(Mention)
        .where(
            col(Mention.workspace_id) == workspace_id,
            col(Mention.id).in_(ids),
            col(Mention.rights_request_id).is_(None),
        )
        .values(rights_request_id=request.id, rights_status=RightsStatus.in_queue.value)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != len(ids):  # type: ignore[attr-defined]
        raise InvalidInput("Someone just asked for this video. See Manage Rights.", field="message")
    for mention_id in ids:
        session.add(RightsRequestMention(request_id=request.id or 0, mention_id=mention_id))
    add_event(session, request, now=now, detail="Request created", user_id=user_id)
    return request


async def submit_request(
    db: Db,
    *,
    workspace_id: int,
    user_id: int,
    mention_ids: Sequence[int],
    message: str,
    sender_source_id: int | None,
    now: datetime,
    gateway: DmSend,
    cipher: TokenCipher,
    scope: str = RightsScope.usage_rights,
    spark_duration_days: int | None = None,
    terms: TermsChoice = CURRENT,
    links: CreatorLinks,
) -> Outcome:
    """Submit a Request: saved, then sent as a DM now if it can be, else In Queue."""

    def start(session: Session) -> int:
        request = create_request(
            session,
            workspace_id=workspace_id,
            user_id=user_id,
            mention_ids=mention_ids,
            message=message,
            sender_source_id=sender_source_id,
            now=now,
            scope=scope,
            spark_duration_days=spark_duration_days,
            terms=terms,
            links=links,
        )
        return request.id or 0

    # Committed before the DM goes out: the request and its dm_key exist whatever happens next.
    request_id = await db(start)
    return await attempt(
        db, request_id=request_id, now=now, gateway=gateway, cipher=cipher, links=links
    )


async def attempt(
    db: Db,
    *,
    request_id: int,
    now: datetime,
    gateway: DmSend,
    cipher: TokenCipher,
    links: CreatorLinks,
) -> Outcome:
    """Route one queued request and, if it may go, send it; returns what became of it."""

    def claim(session: Session) -> DmJob | None:
        request = session.get(RightsRequest, request_id)
        if request is None or request.status != RightsStatus.in_queue or request.withdrawn_at:
            return None
        return route_and_claim(session, request=request, now=now, cipher=cipher, links=links)

    job = await db(claim)
    if job is not None:
        result = await send(gateway, job)
        await db(lambda s: record(s, job=job, result=result, now=now))
    return await db(lambda s: outcome(s, request_id=request_id))


def outcome(session: Session, *, request_id: int) -> Outcome:
    request = session.get(RightsRequest, request_id)
    if request is None:
        raise NotFound("That request is no longer in this workspace.")
    creator = session.get(Creator, request.creator_id)
    handle = creator.handle if creator else ""
    if request.status == RightsStatus.requested:
        toast = f"Request sent to @{handle} as a TikTok message. Its status is Requested."
    elif request.status == RightsStatus.in_queue:
        toast = f"Request to @{handle} is In Queue: {request.queue_detail}"
    else:
        toast = f"Request to @{handle} is {LABELS.get(request.status, request.status)}."
    reason = request.queue_detail if request.status == RightsStatus.in_queue else ""
    return Outcome(request.id or 0, request.status, reason, toast)
