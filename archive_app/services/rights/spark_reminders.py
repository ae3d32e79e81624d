"""Reminders that an approved Spark Ads code expires: the member who requested it is emailed 7
days and 1 day before ``spark_expires_at`` (the ``spark_code_reminders`` job).

Each (request, expiry, step) is queued at most once: the outbox's dedupe key is exactly that, so
a second run, a second worker or a restart queues nothing more. When the job was down through
the 7-day step and runs inside the last day, only the 1-day reminder goes: one mail, the truest.
A removed request, or one whose requester left, gets none.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlmodel import Session, col, select

from archive_app import paths
from archive_app.mail.spark_messages import spark_expiry_message
from archive_app.models.mentions import Creator
from archive_app.models.notifications import OutboxEmail
from archive_app.models.rights import RightsRequest, RightsScope, RightsStatus
from archive_app.models.workspaces import Membership, User
from archive_app.services import outbox

STEPS_DAYS = (7, 1)


def step_due(expires_at: datetime, *, now: datetime) -> int | None:
    """The reminder step due at ``now`` (7 or 1), or None (too early, or expired)."""
    if expires_at <= now:
        return None
    for step in sorted(STEPS_DAYS):
        if expires_at - now <= timedelta(days=step):
            return step
    return None


def reminder_key(request_id: int, expires_at: datetime, step: int) -> str:
    return f"spark-expiry:{request_id}:{expires_at.isoformat()}:{step}"


def send_due(session: Session, *, now: datetime, base_url: str) -> int:
    """Queue the reminders due now; returns how many mails were queued."""
    r = RightsRequest
    rows = session.exec(
        select(r, User.email, Creator.handle)
        .join(User, col(User.id) == r.requested_by_id)
        .join(Creator, col(Creator.id) == r.creator_id)
        .join(
            Membership,
            (col(Membership.user_id) == r.requested_by_id)
            & (col(Membership.workspace_id) == r.workspace_id),
        )
        .where(
            col(r.scope) == RightsScope.spark_code.value,
            col(r.status) == RightsStatus.approved.value,
            col(r.withdrawn_at).is_(None),
            col(r.spark_expires_at) > now,
            col(r.spark_expires_at) <= now + timedelta(days=max(STEPS_DAYS)),
        )
        .order_by(col(r.id))
    ).all()
    queued = 0
    for request, email, handle in rows:
        expires_at = request.spark_expires_at
        step = step_due(expires_at, now=now) if expires_at else None
        if expires_at is None or step is None:
            continue
        key = reminder_key(request.id or 0, expires_at, step)
        if session.exec(select(OutboxEmail.id).where(OutboxEmail.dedupe_key == key)).first():
            continue
        query = urlencode({"scope": RightsScope.spark_code.value, "q": handle})
        outbox.enqueue(
            session,
            message=spark_expiry_message(
                to=email,
                creator_handle=handle,
                days_left=step,
                expires_at=expires_at,
                rights_url=f"{base_url.rstrip('/')}{paths.RIGHTS}?{query}",
            ),
            dedupe_key=key,
            now=now,
            workspace_id=request.workspace_id,
        )
        queued += 1
    return queued
