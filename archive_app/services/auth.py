"""Sign-up, log-in, sessions and passwords (DESIGN.md section 5).

Passwords are argon2id hashes. A session is a random token kept in an HttpOnly cookie; only its
SHA-256 is stored, so a leaked database does not let anyone sign in. Failed logins are counted
per account and per address: after ``MAX_FAILURES`` in ``FAILURE_WINDOW`` we refuse further tries
with a message saying when to come back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, or_
from sqlmodel import Session, col, select

from archive_app.clock import utc
from archive_app.crypto import sha256_hex
from archive_app.models.auth import AuthSession, LoginAttempt
from archive_app.models.workspaces import Membership, Role, User, Workspace
from archive_app.services.errors import InvalidInput, NotAllowed, RateLimited
from archive_app.settings import new_token

SESSION_LIFETIME = timedelta(days=30)
MAX_FAILURES = 10
FAILURE_WINDOW = timedelta(minutes=10)
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


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    workspace_id: int | None
    session_token: str


def normalize_email(raw: str) -> str:
    """Trim, validate and lower-case an address, or say what is wrong with it."""
    candidate = (raw or "").strip()
    if not candidate:
        raise InvalidInput("Enter an email address.", field="email")
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
    address = normalize_email(email)
    if find_user(session, email=address):
        raise InvalidInput(
            "An account with this email already exists. Log in instead.", field="email"
        )
    user = User(email=address, password_hash=hash_password(password), created_at=now)
    session.add(user)
    session.flush()
    return user


def sign_up(
    session: Session, *, email: str, password: str, workspace_name: str, now: datetime
) -> SignedIn:
    """Create a person, their workspace (they own it) and a browser session."""
    name = (workspace_name or "").strip()
    if not name:
        raise InvalidInput("Name your workspace (your brand's name works well).", field="workspace")
    if len(name) > 120:
        raise InvalidInput("Keep the workspace name under 120 characters.", field="workspace")
    user = create_user(session, email=email, password=password, now=now)
    workspace = Workspace(name=name, created_at=now)
    session.add(workspace)
    session.flush()
    assert user.id is not None and workspace.id is not None
    session.add(
        Membership(workspace_id=workspace.id, user_id=user.id, role=Role.owner, created_at=now)
    )
    return start_session(session, user_id=user.id, workspace_id=workspace.id, now=now)


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


def _check_rate_limit(session: Session, *, email: str, ip: str, now: datetime) -> None:
    since = now - FAILURE_WINDOW
    for column, value in ((LoginAttempt.email, email), (LoginAttempt.ip, ip)):
        count, oldest = session.exec(
            select(func.count(), func.min(LoginAttempt.attempted_at)).where(
                column == value, LoginAttempt.attempted_at > since
            )
        ).one()
        if count >= MAX_FAILURES and oldest is not None:
            wait = utc(oldest) + FAILURE_WINDOW - now
            minutes = max(1, math.ceil(wait.total_seconds() / 60))
            unit = "minute" if minutes == 1 else "minutes"
            raise RateLimited(
                f"Too many failed attempts. Try again in {minutes} {unit}.",
                retry_after_minutes=minutes,
            )


def log_in(session: Session, *, email: str, password: str, ip: str, now: datetime) -> SignedIn:
    """Check the password and open a session, or refuse with one message for every failure.

    The refusal never says whether the account exists. Failures are recorded even for unknown
    addresses, so guessing accounts is rate limited too. The caller must commit even when this
    raises ``InvalidInput`` (the failure row is what the limit counts).
    """
    try:
        address = normalize_email(email)
    except InvalidInput:
        address = (email or "").strip().lower()[:320]
    _check_rate_limit(session, email=address, ip=ip, now=now)
    user = find_user(session, email=address)
    if user is None or not verify_password(user.password_hash, password or ""):
        session.add(LoginAttempt(email=address, ip=ip[:64], attempted_at=now))
        session.flush()
        raise InvalidInput("That email and password don't match an account.", field="password")
    assert user.id is not None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    session.execute(
        delete(LoginAttempt).where(
            or_(
                col(LoginAttempt.email) == address,
                col(LoginAttempt.attempted_at) < now - FAILURE_WINDOW,
            )
        )
    )
    return start_session(
        session, user_id=user.id, workspace_id=_first_workspace_id(session, user.id), now=now
    )


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


def change_email(session: Session, *, user_id: int, new_email: str, password: str) -> str:
    user = session.get(User, user_id)
    if user is None:
        raise NotAllowed("Your session has ended. Log in again.")
    if not verify_password(user.password_hash, password or ""):
        raise InvalidInput("Your current password is not right.", field="current_password")
    address = normalize_email(new_email)
    if address != user.email and find_user(session, email=address):
        raise InvalidInput("Another account already uses this email.", field="email")
    user.email = address
    session.add(user)
    return address


def change_password(
    session: Session, *, user_id: int, current_password: str, new_password: str
) -> None:
    user = session.get(User, user_id)
    if user is None:
        raise NotAllowed("Your session has ended. Log in again.")
    if not verify_password(user.password_hash, current_password or ""):
        raise InvalidInput("Your current password is not right.", field="current_password")
    user.password_hash = hash_password(new_password)
    session.add(user)
