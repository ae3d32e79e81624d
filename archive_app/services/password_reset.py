"""Forgot password: a one-time emailed link that sets a new password (issue 18, section 2).

The form never says whether an address has an account: it always answers "If an account uses
that address, we sent a link", and both cases run the same queries and make a token, so the
work does not tell either (the route also answers before any of it runs). The link is a random
token of which only the SHA-256 is stored; it works once, for an hour, and only while the
password is still the one it was sent for (``PasswordReset.password_fingerprint``), so any later
password change ends it. Using it ends every session of that person, other browsers included,
and signs in the browser that used it. Mail per address is capped by ``services.mail_quota``.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from archive_app import paths
from archive_app.clock import utc
from archive_app.crypto import sha256_hex
from archive_app.mail.account_messages import password_reset_message
from archive_app.models.password_reset import PasswordReset
from archive_app.models.workspaces import Membership, User
from archive_app.services import auth, outbox
from archive_app.services.auth import SignedIn
from archive_app.services.errors import NotFound
from archive_app.services.mail_quota import account_mail_allowed
from archive_app.settings import new_token

RESET_LINK_LIFETIME = timedelta(hours=1)

LINK_ENDED = (
    "This password reset link no longer works: links work once, for 1 hour, and end when the "
    "password changes. Ask for a new link."
)


def password_fingerprint(password_hash: str) -> str:
    """What a link remembers of the password it may replace (never the hash itself)."""
    return sha256_hex(password_hash)


def reset_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{paths.RESET}/{token}"


def request_reset(session: Session, *, email: str, base_url: str, now: datetime) -> None:
    """Mail a reset link to ``email`` if an account uses it and its hourly mail cap allows.

    Raises ``InvalidInput`` only for text that is not an email address (which says nothing
    about accounts). Otherwise returns nothing either way: the caller gives one answer."""
    address = auth.normalize_email(email)
    user = auth.find_user(session, email=address)
    allowed = account_mail_allowed(session, address=address, now=now)
    # Made in both cases, so a known address and an unknown one cost the same work.
    token = new_token()
    token_hash = sha256_hex(token)
    if user is None or user.id is None or not allowed:
        return
    row = PasswordReset(
        user_id=user.id,
        token_hash=token_hash,
        password_fingerprint=password_fingerprint(user.password_hash),
        created_at=now,
        expires_at=now + RESET_LINK_LIFETIME,
    )
    session.add(row)
    session.flush()
    outbox.enqueue(
        session,
        message=password_reset_message(
            to=user.email,
            reset_url=reset_url(base_url, token),
            lifetime_hours=int(RESET_LINK_LIFETIME.total_seconds() // 3600),
        ),
        dedupe_key=f"reset:{row.id}",
        now=now,
    )


@dataclass(frozen=True)
class ResetLink:
    """What the reset page shows: whose password the link sets."""

    email: str


def _live_link(session: Session, *, token: str, now: datetime) -> tuple[PasswordReset, User]:
    row = session.exec(
        select(PasswordReset).where(PasswordReset.token_hash == sha256_hex(token or ""))
    ).first()
    if row is None or row.used_at is not None or utc(row.expires_at) <= now:
        raise NotFound(LINK_ENDED)
    user = session.get(User, row.user_id)
    if user is None or not hmac.compare_digest(
        row.password_fingerprint, password_fingerprint(user.password_hash)
    ):
        raise NotFound(LINK_ENDED)
    return row, user


def describe_reset(session: Session, *, token: str, now: datetime) -> ResetLink:
    """The link's account, or ``NotFound`` with what to do when it is used, expired or ended."""
    _row, user = _live_link(session, token=token, now=now)
    return ResetLink(email=user.email)


@dataclass(frozen=True)
class PasswordResetDone:
    """The new session of the browser that used the link, and the workspaces whose open tabs
    must hear that the person's other sessions ended."""

    signed_in: SignedIn
    workspace_ids: tuple[int, ...]


def reset_password(
    session: Session, *, token: str, password: str, now: datetime
) -> PasswordResetDone:
    """Set the new password, end every session of this person, and sign this browser in."""
    row, user = _live_link(session, token=token, now=now)
    assert user.id is not None
    user.password_hash = auth.hash_password(password)  # InvalidInput when too short
    row.used_at = now
    session.add_all([user, row])
    auth.end_all_sessions(session, user_id=user.id)
    workspace_ids = tuple(
        session.exec(
            select(Membership.workspace_id)
            .where(Membership.user_id == user.id)
            .order_by(Membership.created_at, Membership.id)  # type: ignore[arg-type]
        ).all()
    )
    signed_in = auth.start_session(
        session, user_id=user.id, workspace_id=workspace_ids[0] if workspace_ids else None, now=now
    )
    return PasswordResetDone(signed_in=signed_in, workspace_ids=workspace_ids)
