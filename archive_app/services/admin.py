"""What an operator does without the UI (``archive`` CLI) and the first visit of a fresh
instance: create an owner with a workspace, reset a password, know whether anyone exists yet.

A fresh production instance may be reachable by strangers before its owner opens it, so its
first owner needs a setup code (``issue_setup_code``): printed in the server log at each start
while nobody has an account, stored only as a SHA-256, compared in constant time, and void once
the owner exists. ``archive create-owner`` (``create_owner``) needs none: it runs on the server.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from sqlalchemy import delete, func, text
from sqlmodel import Session, col, select

from archive_app.crypto import sha256_hex
from archive_app.models.notifications import OutboxEmail, OutboxStatus
from archive_app.models.password_reset import SetupCode
from archive_app.models.workspaces import User
from archive_app.services import auth, signup
from archive_app.services.auth import SignedIn
from archive_app.services.errors import InvalidInput, NotAllowed

FIRST_OWNER_LOCK = 0x4F574E52  # "OWNR"
# Crockford's base32: no I, L, O or U, so a code read off a log is easy to type; 12 characters
# are 60 random bits. Typing O for 0 or I/L for 1, lower case, spaces or dashes still works.
SETUP_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SETUP_CODE_GROUPS = 3
SETUP_CODE_GROUP_LENGTH = 4
_SETUP_CODE_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1"})
SETUP_CODE_MISSING = (
    "Enter the setup code: the server printed it in its log at start, in the line "
    "“Archive has no owner yet”."
)
SETUP_CODE_WRONG = (
    "That setup code is not right. Copy it from the newest “Archive has no owner yet” "
    "line of the server log (a restart prints a new one)."
)


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
    session: Session,
    *,
    email: str,
    password: str,
    workspace_name: str,
    now: datetime,
    setup_code: str | None = None,
) -> SignedIn:
    """The first visit of a fresh instance: only while nobody has an account yet.

    ``setup_code`` is what the visitor typed, in production (where it is required); ``None``
    in demo and test mode, which ask for none. Two first visitors at once take turns (a
    transaction lock on PostgreSQL; on SQLite a write that changes nothing takes the
    database's write lock first), so the second one reads the first one's account and is
    refused."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FIRST_OWNER_LOCK})
    else:
        session.execute(text("UPDATE users SET id = id WHERE 0 = 1"))
    if has_users(session):
        raise NotAllowed("This Archive already has an owner. Log in instead.")
    if setup_code is not None:
        if not normalize_setup_code(setup_code):
            raise InvalidInput(SETUP_CODE_MISSING, field="setup_code")
        if not setup_code_ok(session, code=setup_code):
            raise NotAllowed(SETUP_CODE_WRONG)
    signed_in = create_owner(
        session, email=email, password=password, workspace_name=workspace_name, now=now
    )
    session.execute(delete(SetupCode))  # the instance has its owner: no code works any more
    return signed_in


def normalize_setup_code(raw: str) -> str:
    """The code as stored: upper case, without spaces or dashes, common look-alikes fixed."""
    kept = "".join(ch for ch in (raw or "").upper() if ch != "-" and not ch.isspace())
    return kept.translate(_SETUP_CODE_TYPOS)[:64]


def _format_setup_code(code: str) -> str:
    n = SETUP_CODE_GROUP_LENGTH
    return "-".join(code[i : i + n] for i in range(0, len(code), n))


def issue_setup_code(session: Session, *, now: datetime) -> str | None:
    """A new setup code (as printed, ``XXXX-XXXX-XXXX``) while nobody has an account, else
    None. Only its hash is kept; codes printed by earlier starts stay valid (each worker and
    replica prints its own) until the owner exists."""
    if has_users(session):
        return None
    length = SETUP_CODE_GROUPS * SETUP_CODE_GROUP_LENGTH
    code = "".join(secrets.choice(SETUP_CODE_ALPHABET) for _ in range(length))
    session.add(SetupCode(code_hash=sha256_hex(code), created_at=now))
    session.flush()
    return _format_setup_code(code)


def setup_code_ok(session: Session, *, code: str) -> bool:
    """Whether ``code`` is one of the codes printed so far, compared in constant time."""
    typed = sha256_hex(normalize_setup_code(code))
    stored = session.exec(select(SetupCode.code_hash)).all()
    matches = [hmac.compare_digest(typed, known) for known in stored]
    return any(matches)


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
