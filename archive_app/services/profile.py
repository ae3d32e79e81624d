"""The signed-in person's own password checks: the profile's password and email changes.

Every check of a current password goes through the one login throttle
(``services/login_throttle.py``), keyed by the person's address and the client address, like a
log-in: a stolen session cannot be used to guess the password that guards these changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlmodel import Session

from archive_app.models.workspaces import User
from archive_app.services import login_throttle
from archive_app.services.auth import end_sessions_except, hash_password, verify_password
from archive_app.services.errors import InvalidInput, NotAllowed

T = TypeVar("T")


class WrongCurrentPassword(InvalidInput):
    """A signed-in person's current password was wrong (a failure row was recorded)."""


def check_current_password(
    session: Session, *, user: User, password: str, ip: str, now: datetime
) -> None:
    """Refuse while the throttle says wait; a wrong password records a failure and raises
    ``WrongCurrentPassword``: run the caller inside ``keeping_password_failures``."""
    ip = ip[:64]
    login_throttle.check_rate_limit(session, email=user.email, ip=ip, now=now)
    if not verify_password(user.password_hash, password or ""):
        login_throttle.record_failure(session, email=user.email, ip=ip, now=now)
        raise WrongCurrentPassword("Your current password is not right.", field="current_password")
    login_throttle.forget_pair(session, email=user.email, ip=ip, now=now)


def keeping_password_failures(session: Session, work: Callable[[Session], T]) -> T:
    """``work(session)`` for a unit of work that rolls back on error: when it refuses a wrong
    current password, the failure row is committed first, so the throttle still counts it.
    (``check_current_password`` runs before anything else changes.)"""
    try:
        return work(session)
    except WrongCurrentPassword:
        session.commit()
        raise


def change_password(
    session: Session,
    *,
    user_id: int,
    current_password: str,
    new_password: str,
    keep_token: str | None,
    ip: str,
    now: datetime,
) -> int:
    """Set a new password and end every other session of this person (whoever might have the
    old password is signed out everywhere); the session that made the change, ``keep_token``,
    stays. Returns how many sessions were ended."""
    user = session.get(User, user_id)
    if user is None:
        raise NotAllowed("Your session has ended. Log in again.")
    check_current_password(session, user=user, password=current_password, ip=ip, now=now)
    user.password_hash = hash_password(new_password)
    session.add(user)
    return end_sessions_except(session, user_id=user_id, keep_token=keep_token)
