"""How many account mails may go out: a cap per address and in all, per hour.

Sign-up, password reset and email-change forms each send a mail to an address a stranger can
type. Without a cap, the forms are a way to flood someone's mailbox, or to burn the instance's
SMTP reputation. Counting happens over the outbox itself (rows created in the last hour whose
``dedupe_key`` names an account mail), so there is nothing extra to store and it holds across
replicas. A caller that is refused queues nothing and gives the person the same answer as when
it queued: the answer must never tell a stranger whether an address has an account.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, select

from archive_app.models.notifications import OutboxEmail

PER_ADDRESS_PER_HOUR = 3
TOTAL_PER_HOUR = 300
WINDOW = timedelta(hours=1)
ACCOUNT_MAIL_PREFIXES = ("signup:", "signup-known:", "reset:", "email-change:")


def _account_mail() -> ColumnElement[bool]:
    return or_(*(col(OutboxEmail.dedupe_key).startswith(p) for p in ACCOUNT_MAIL_PREFIXES))


def account_mail_allowed(session: Session, *, address: str, now: datetime) -> bool:
    """True when one more account mail to ``address`` may be queued now."""
    since = now - WINDOW
    recent = (col(OutboxEmail.created_at) > since, _account_mail())
    total = session.exec(select(func.count()).select_from(OutboxEmail).where(*recent)).one()
    if total >= TOTAL_PER_HOUR:
        return False
    to_address = address.strip().lower()
    for_address = session.exec(
        select(func.count())
        .select_from(OutboxEmail)
        .where(*recent, func.lower(OutboxEmail.to_address) == to_address)
    ).one()
    return bool(for_address < PER_ADDRESS_PER_HOUR)
