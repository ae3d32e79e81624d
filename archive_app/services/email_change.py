"""Changing the profile address: a link to the NEW address, the change only when it is opened.

Why: an address nobody confirmed would let a signed-in person (or whoever stole their session
and password) point the account at a mailbox they do not own, and the old form told anyone
signed in whether another account used an address. So saving a new address checks the current
password (through the one login throttle, ``services/login_throttle.py``), then answers the same
"we sent a link" whatever happens: the link goes to a free address; an address that already has
an account gets a note instead; and when the hourly cap on account mail
(``services/mail_quota.py``) is reached nothing is queued. Opening the link (valid
``LINK_LIFETIME``, once, stored as a SHA-256) moves the account if the address is still free,
and tells the old address it happened. Opening the link only shows what it would do
(``pending_email_change``); the page's button makes the change (``confirm_email_change``), so a
mail scanner that fetches every link confirms nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from archive_app import paths
from archive_app.clock import utc
from archive_app.crypto import sha256_hex
from archive_app.mail.account_messages import (
    email_change_message,
    email_changed_message,
    email_taken_message,
)
from archive_app.models.email_change import EmailChange
from archive_app.models.workspaces import User
from archive_app.services import mail_quota, outbox
from archive_app.services.auth import find_user, normalize_email
from archive_app.services.errors import InvalidInput, NotAllowed
from archive_app.services.profile import check_current_password
from archive_app.settings import new_token

LINK_LIFETIME = timedelta(hours=1)
# The mailed link opens a page (a GET changes nothing: mail scanners open links); its button
# posts to ``/auth/email/confirm/<token>``, which makes the change.
CONFIRM_PATH = paths.EMAIL_CONFIRM


class Outcome(enum.StrEnum):
    """What opening a link did; the profile page shows ``OUTCOME_MESSAGES[outcome]``."""

    changed = "changed"
    taken = "taken"
    expired = "expired"
    used = "used"
    invalid = "invalid"


OUTCOME_MESSAGES = {
    Outcome.changed: "Your email address was changed. Archive mail now goes to the new address.",
    Outcome.taken: "Another account now uses that address, so your address was not changed.",
    Outcome.expired: "That link has expired (links work for 1 hour). Save the new address "
    "again to get a new one.",
    Outcome.used: "That link was already used, or a newer one replaced it. Your current "
    "address is shown below.",
    Outcome.invalid: "That link is not valid. Save the new address again to get a new one.",
}


@dataclass(frozen=True)
class Confirmed:
    outcome: Outcome
    user_id: int | None = None


def sent_message(address: str) -> str:
    """The one answer to saving a new address, whatever happened behind it."""
    return f"We sent a link to {address}. Your address changes when you open it."


def request_email_change(
    session: Session,
    *,
    user_id: int,
    new_email: str,
    password: str,
    ip: str,
    base_url: str,
    now: datetime,
) -> str:
    """Check the current password, then queue a link to ``new_email``; returns the address.

    A wrong password records a failure for the throttle: run this inside
    ``profile.keeping_password_failures`` so that row is committed although this raises.
    """
    user = session.get(User, user_id)
    if user is None:
        raise NotAllowed("Your session has ended. Log in again.")
    check_current_password(session, user=user, password=password, ip=ip, now=now)
    address = normalize_email(new_email)
    if address == user.email:
        raise InvalidInput("That is already your address.", field="email")
    _retire_pending(session, user_id=user_id, now=now)
    token = new_token()
    row = EmailChange(
        user_id=user_id,
        new_email=address,
        token_hash=sha256_hex(token),
        created_at=now,
        expires_at=now + LINK_LIFETIME,
    )
    session.add(row)
    session.flush()
    if not mail_quota.account_mail_allowed(session, address=address, now=now):
        return address  # the same answer; the row's link was never sent, so it is inert
    if find_user(session, email=address) is not None:
        message = email_taken_message(to=address)
    else:
        message = email_change_message(
            to=address,
            confirm_url=f"{base_url}{CONFIRM_PATH}/{token}",
            lifetime_minutes=int(LINK_LIFETIME.total_seconds() // 60),
        )
    outbox.enqueue(session, message=message, dedupe_key=f"email-change:{row.id}", now=now)
    return address


def _open_link(
    session: Session, *, token: str, now: datetime
) -> tuple[EmailChange, User] | Confirmed:
    """The link's row and person while it can still change the address, else why not."""
    row = session.exec(
        select(EmailChange).where(EmailChange.token_hash == sha256_hex(token or ""))
    ).first()
    if row is None:
        return Confirmed(Outcome.invalid)
    if row.used_at is not None:
        return Confirmed(Outcome.used, row.user_id)
    if utc(row.expires_at) <= now:
        return Confirmed(Outcome.expired, row.user_id)
    user = session.get(User, row.user_id)
    if user is None:
        return Confirmed(Outcome.invalid)
    owner = find_user(session, email=row.new_email)
    if owner is not None and owner.id != user.id:
        return Confirmed(Outcome.taken, row.user_id)
    return row, user


def pending_email_change(session: Session, *, token: str, now: datetime) -> str | Outcome:
    """What opening the link's page shows: the address it would move to, or why it can't.
    Changes nothing."""
    opened = _open_link(session, token=token, now=now)
    if isinstance(opened, Confirmed):
        return opened.outcome
    return opened[0].new_email


def confirm_email_change(
    session: Session, *, token: str, base_url: str, now: datetime
) -> Confirmed:
    """The link page's button: move the account to its address if that is still free.
    Anything else changes nothing and says why (``Outcome``)."""
    opened = _open_link(session, token=token, now=now)
    if isinstance(opened, Confirmed):
        return opened
    row, user = opened
    old_address = user.email
    user.email = row.new_email
    session.add(user)
    _retire_pending(session, user_id=row.user_id, now=now)
    session.flush()
    if old_address != row.new_email:
        outbox.enqueue(
            session,
            message=email_changed_message(
                to=old_address, new_email=row.new_email, profile_url=f"{base_url}{paths.PROFILE}"
            ),
            dedupe_key=f"email-changed:{row.id}",
            now=now,
        )
    return Confirmed(Outcome.changed, row.user_id)


def _retire_pending(session: Session, *, user_id: int, now: datetime) -> None:
    """Only the newest link of a person works: older unused ones count as used (rows are kept,
    so an id, and the outbox dedupe key made from it, is never reused)."""
    for older in session.exec(
        select(EmailChange).where(
            EmailChange.user_id == user_id, col(EmailChange.used_at).is_(None)
        )
    ).all():
        older.used_at = now
        session.add(older)
