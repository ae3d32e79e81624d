"""Log-in, sessions and passwords (DESIGN.md section 5); sign-up is in ``services.signup``.

Passwords are argon2id hashes. A session is a random token kept in an HttpOnly cookie; only its
SHA-256 is stored, so a leaked database does not let anyone sign in. Changing the password ends
every other session of that person. Failed log-ins are throttled by ``services.login_throttle``.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete
from sqlmodel import Session, col, select

from archive_app import events
from archive_app.clock import utc
from archive_app.crypto import sha256_hex
from archive_app.models.auth import AuthSession
from archive_app.models.workspaces import Membership, Role, User, Workspace
from archive_app.services import login_throttle
from archive_app.services.actor import Actor
from archive_app.services.errors import InvalidInput, NotAllowed
from archive_app.settings import new_token

SESSION_LIFETIME = timedelta(days=30)
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@dataclass(frozen=True)
class Viewer:
    """The signed-in person and the workspace this browser session is looking at."""

    user_id: int
    email: str
    workspace_id: int
    workspace_name: str
    role: Role

    @property
    def is_owner(self) -> bool:
        return self.role == Role.owner

    @property
    def actor(self) -> Actor:
        """Who acts, for services that act for this person (``services/actor.py``)."""
        return Actor(workspace_id=self.workspace_id, user_id=self.user_id, role=self.role)


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    workspace_id: int | None
    session_token: str


@dataclass(frozen=True)
class KnownDevice:
    """A browser's verified device cookie (``web/device_cookie.py``): it logged in as
    ``user_id`` before. Used only to keep failures from elsewhere from locking it out."""

    user_id: int
    device_id: str


def normalize_email(raw: str) -> str:
    """Trim, validate and lower-case an address, or say what is wrong with it.

    Every address typed into Archive (sign-up, invitations, profile, reminder chips) comes
    through here. Mail goes out without SMTPUTF8, so addresses outside ASCII are refused here,
    where the person can fix them, instead of failing in the outbox later.
    """
    candidate = (raw or "").strip()
    if not candidate:
        raise InvalidInput("Enter an email address.", field="email")
    if not candidate.isascii():
        raise InvalidInput(
            f"“{candidate[:320]}” has characters Archive can't send mail to: use an address "
            "written in plain ASCII letters, digits and punctuation.",
            field="email",
        )
    try:
        info = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput(f"“{candidate}” is not a valid email address.", field="email") from exc
    return info.normalized.lower()


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(check_password(password))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def find_user(session: Session, *, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email)).first()


def create_user(session: Session, *, email: str, password: str, now: datetime) -> User:
    """For callers that already know the address is free (invitations, the demo seed)."""
    return add_user(
        session, email=normalize_email(email), password_hash=hash_password(password), now=now
    )


def add_user(session: Session, *, email: str, password_hash: str, now: datetime) -> User:
    """For a password hashed earlier (a confirmed sign-up link); refuses a taken address."""
    if find_user(session, email=email):
        raise InvalidInput(
            "An account with this email already exists. Log in instead.", field="email"
        )
    user = User(email=email, password_hash=password_hash, created_at=now)
    session.add(user)
    session.flush()
    return user


def start_session(
    session: Session, *, user_id: int, workspace_id: int | None, now: datetime
) -> SignedIn:
    token = new_token()
    session.add(
        AuthSession(
            token_hash=sha256_hex(token),
            user_id=user_id,
            workspace_id=workspace_id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    session.flush()
    return SignedIn(user_id=user_id, workspace_id=workspace_id, session_token=token)


def _first_workspace_id(session: Session, user_id: int) -> int | None:
    return session.exec(
        select(Membership.workspace_id)
        .where(Membership.user_id == user_id)
        .order_by(col(Membership.created_at), col(Membership.id))
    ).first()


def log_in(
    session: Session,
    *,
    email: str,
    password: str,
    ip: str,
    now: datetime,
    device: KnownDevice | None = None,
) -> SignedIn:
    """Check the password and open a session, or refuse with one message for every failure.

    The refusal never says whether the account exists. Failures are recorded even for unknown
    addresses, so guessing accounts is rate limited too. The caller must commit even when this
    raises ``InvalidInput`` (the failure row is what the limit counts). A ``device`` that
    logged in to this very account before is throttled by its own failures only.
    """
    try:
        address = normalize_email(email)
    except InvalidInput:
        address = (email or "").strip().lower()[:320]
    ip = ip[:64]
    user = find_user(session, email=address)
    device_id = (
        device.device_id[:64]
        if device is not None and user is not None and user.id == device.user_id
        else None
    )
    login_throttle.check_rate_limit(session, email=address, ip=ip, now=now, device=device_id)
    # An unknown address costs one argon2 check too, so the answer's timing does not say
    # whether an account exists.
    known_hash = user.password_hash if user is not None else _unknown_user_hash()
    if not verify_password(known_hash, password or "") or user is None:
        login_throttle.record_failure(session, email=address, ip=ip, now=now, device=device_id)
        raise InvalidInput("That email and password don't match an account.", field="password")
    assert user.id is not None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    login_throttle.forget_pair(session, email=address, ip=ip, now=now, device=device_id)
    return start_session(
        session, user_id=user.id, workspace_id=_first_workspace_id(session, user.id), now=now
    )


def log_in_keeping_failures(
    session: Session,
    *,
    email: str,
    password: str,
    ip: str,
    now: datetime,
    device: KnownDevice | None = None,
) -> SignedIn:
    """``log_in`` for a unit of work that rolls back on error: a refused password's failure
    row is committed before the refusal is re-raised, so the rate limit still counts it."""
    try:
        return log_in(session, email=email, password=password, ip=ip, now=now, device=device)
    except InvalidInput:
        session.commit()
        raise


@functools.cache
def _unknown_user_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def log_out(session: Session, *, token: str) -> None:
    session.execute(delete(AuthSession).where(col(AuthSession.token_hash) == sha256_hex(token)))


def current_viewer(session: Session, *, token: str | None, now: datetime) -> Viewer | None:
    """Who this cookie belongs to, if it is still valid and its workspace still has them."""
    if not token:
        return None
    row = session.exec(
        select(AuthSession, User, Membership, Workspace)
        .join(User, User.id == AuthSession.user_id)  # type: ignore[arg-type]
        .join(
            Membership,
            (Membership.user_id == AuthSession.user_id)  # type: ignore[arg-type]
            & (Membership.workspace_id == AuthSession.workspace_id),
        )
        .join(Workspace, Workspace.id == Membership.workspace_id)  # type: ignore[arg-type]
        .where(AuthSession.token_hash == sha256_hex(token))
    ).first()
    if row is None:
        return None
    auth, user, membership, workspace = row
    if utc(auth.expires_at) <= now:
        return None
    assert user.id is not None and workspace.id is not None
    return Viewer(
        user_id=user.id,
        email=user.email,
        workspace_id=workspace.id,
        workspace_name=workspace.name,
        role=Role(membership.role),
    )


def require_viewer(session: Session, *, token: str | None, now: datetime) -> Viewer:
    viewer = current_viewer(session, token=token, now=now)
    if viewer is None:
        raise NotAllowed("Your session has ended. Log in again.")
    return viewer


def log_out_other_sessions(session: Session, *, token: str | None, now: datetime) -> int:
    """End every session of the signed-in person except this one (``token``)."""
    viewer = require_viewer(session, token=token, now=now)
    return end_sessions_except(session, user_id=viewer.user_id, keep_token=token)


def end_sessions_except(session: Session, *, user_id: int, keep_token: str | None) -> int:
    keep = sha256_hex(keep_token) if keep_token else ""
    result = session.execute(
        delete(AuthSession).where(
            col(AuthSession.user_id) == user_id, col(AuthSession.token_hash) != keep
        )
    )
    ended = int(getattr(result, "rowcount", 0) or 0)
    if ended:  # their open tabs go to the login page now, not at their next page load
        for workspace_id in session.exec(
            select(Membership.workspace_id).where(Membership.user_id == user_id)
        ).all():
            events.record(session, events.MembersChanged(workspace_id=workspace_id))
    return ended


def end_all_sessions(session: Session, *, user_id: int) -> int:
    """Sign this person out everywhere (a password reset by an operator)."""
    return end_sessions_except(session, user_id=user_id, keep_token=None)
