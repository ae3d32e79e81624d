"""What an operator does without the UI (``archive`` CLI) and the first visit of a fresh
instance: create an owner with a workspace, reset a password, know whether anyone exists yet.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from archive_app.models.notifications import OutboxEmail, OutboxStatus
from archive_app.models.workspaces import User
from archive_app.services import auth, signup
from archive_app.services.auth import SignedIn
from archive_app.services.errors import InvalidInput, NotAllowed

FIRST_OWNER_LOCK = 0x4F574E52  # "OWNR"


def has_users(session: Session) -> bool:
    return int(session.exec(select(func.count()).select_from(User)).one()) > 0


def create_owner(
    session: Session, *, email: str, password: str, workspace_name: str, now: datetime
) -> SignedIn:
    """A person, their workspace (they own it) and a session; refuses a taken address."""
    return signup.sign_up(
        session, email=email, password=password, workspace_name=workspace_name, now=now
    )


def create_first_owner(
    session: Session, *, email: str, password: str, workspace_name: str, now: datetime
) -> SignedIn:
    """The first visit of a fresh instance: only while nobody has an account yet.

    Two first visitors at once take turns (a transaction lock on PostgreSQL; on SQLite a
    write that changes nothing takes the database's write lock first), so the second one
    reads the first one's account and is refused."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FIRST_OWNER_LOCK})
    else:
        session.execute(text("UPDATE users SET id = id WHERE 0 = 1"))
    if has_users(session):
        raise NotAllowed("This Archive already has an owner. Log in instead.")
    return create_owner(
        session, email=email, password=password, workspace_name=workspace_name, now=now
    )


def reset_password(session: Session, *, email: str, new_password: str) -> int:
    """Set a new password for ``email`` and end all its sessions; returns how many ended."""
    user = auth.find_user(session, email=auth.normalize_email(email))
    if user is None or user.id is None:
        raise InvalidInput("No account has that email.", field="email")
    auth.check_password(new_password)
    user.password_hash = auth.hash_password(new_password)
    session.add(user)
    return auth.end_all_sessions(session, user_id=user.id)


def failed_count(session: Session, *, workspace_id: int | None = None) -> int:
    """How many mails the outbox gave up on (all, or one workspace's), for an admin report."""
    query = select(func.count()).select_from(OutboxEmail)
    query = query.where(col(OutboxEmail.status) == OutboxStatus.failed.value)
    if workspace_id is not None:
        query = query.where(col(OutboxEmail.workspace_id) == workspace_id)
    return int(session.exec(query).one())
