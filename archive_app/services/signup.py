"""Sign-up: a new person and the workspace they own (DESIGN.md section 5).

The public form never says whether an address has an account: it always answers "check your
email", and the mail either holds the link that creates the account or tells the owner they
already have one. Both answers cost the same work (one argon2 hash), so timing tells a stranger
nothing either. The password is hashed when the form is sent, so it is never stored in plain
text while the link waits.

The link creates the account only in the browser that filled in the form (``browser_token``,
kept in a cookie): someone who typed your address cannot set your password by getting you to
click their link. Account mail is capped per address and in all per hour
(``services/mail_quota.py``), so the form cannot flood a mailbox or the instance's SMTP; a
capped request queues nothing and gets the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from archive_app.clock import utc
from archive_app.crypto import sha256_hex
from archive_app.mail.messages import signup_account_exists_message, signup_confirm_message
from archive_app.models.workspaces import Membership, Role, SignupRequest, User, Workspace
from archive_app.services import mail_quota, outbox
from archive_app.services.auth import (
    SignedIn,
    add_user,
    create_user,
    find_user,
    hash_password,
    normalize_email,
    start_session,
)
from archive_app.services.errors import InvalidInput, NotAllowed, NotFound
from archive_app.settings import new_token

SIGNUP_LINK_LIFETIME = timedelta(hours=24)
# Per address, so the form cannot be used to flood a mailbox (counted with every account mail).
SIGNUP_MAILS_PER_HOUR = mail_quota.PER_ADDRESS_PER_HOUR


def _workspace_name(raw: str) -> str:
    name = (raw or "").strip()
    if not name:
        raise InvalidInput("Name your workspace (your brand's name works well).", field="workspace")
    if len(name) > 120:
        raise InvalidInput("Keep the workspace name under 120 characters.", field="workspace")
    return name


def sign_up(
    session: Session, *, email: str, password: str, workspace_name: str, now: datetime
) -> SignedIn:
    """Create a person, their workspace (they own it) and a browser session, at once.

    For confirmed sign-ups, seeds and tests: the public form goes through ``request_sign_up``,
    which never says whether the address is taken.
    """
    name = _workspace_name(workspace_name)
    user = create_user(session, email=email, password=password, now=now)
    return _open_workspace(session, user=user, workspace_name=name, now=now)


def _open_workspace(
    session: Session, *, user: User, workspace_name: str, now: datetime
) -> SignedIn:
    workspace = Workspace(name=workspace_name, created_at=now)
    session.add(workspace)
    session.flush()
    assert user.id is not None and workspace.id is not None
    session.add(
        Membership(workspace_id=workspace.id, user_id=user.id, role=Role.owner, created_at=now)
    )
    return start_session(session, user_id=user.id, workspace_id=workspace.id, now=now)


@dataclass(frozen=True)
class SignupRequested:
    """What the sign-up form learns: the same whether or not the address has an account."""

    email: str
    # Kept by the browser in a cookie; the emailed link works only next to it.
    browser_token: str


def request_sign_up(
    session: Session,
    *,
    email: str,
    password: str,
    workspace_name: str,
    base_url: str,
    now: datetime,
) -> SignupRequested:
    """Check the form, then mail the next step: a link that creates the account, or, when the
    address already has one, a note to its owner. The answer and the work done (one argon2
    hash) are the same in both cases, so the form tells a stranger nothing."""
    name = _workspace_name(workspace_name)
    address = normalize_email(email)
    password_hash = hash_password(password)
    browser_token = new_token()
    if not mail_quota.account_mail_allowed(session, address=address, now=now):
        # Capped: nothing is queued, and the answer is the same as when it is.
        return SignupRequested(email=address, browser_token=browser_token)
    if find_user(session, email=address) is not None:
        # One note an hour is plenty; the dedupe key makes the rest no-ops.
        outbox.enqueue(
            session,
            message=signup_account_exists_message(to=address, login_url=f"{base_url}/login"),
            dedupe_key=f"signup-known:{address}:{now:%Y%m%d%H}",
            now=now,
        )
    else:
        token = new_token()
        row = SignupRequest(
            email=address,
            workspace_name=name,
            password_hash=password_hash,
            token_hash=sha256_hex(token),
            browser_hash=sha256_hex(browser_token),
            created_at=now,
            expires_at=now + SIGNUP_LINK_LIFETIME,
        )
        session.add(row)
        session.flush()
        outbox.enqueue(
            session,
            message=signup_confirm_message(
                to=address,
                workspace_name=name,
                confirm_url=f"{base_url}/auth/signup/confirm/{token}",
                lifetime_hours=int(SIGNUP_LINK_LIFETIME.total_seconds() // 3600),
            ),
            dedupe_key=f"signup:{row.id}",
            now=now,
        )
    return SignupRequested(email=address, browser_token=browser_token)


def confirm_sign_up(
    session: Session, *, token: str, browser_token: str | None, now: datetime
) -> SignedIn:
    """The emailed link: create the account and workspace asked for, and sign in."""
    row = session.exec(
        select(SignupRequest).where(SignupRequest.token_hash == sha256_hex(token or ""))
    ).first()
    if row is None or row.confirmed_at is not None or utc(row.expires_at) <= now:
        raise NotFound(
            "This sign-up link is no longer valid. Sign up again, or log in if you already "
            "finished."
        )
    if not browser_token or sha256_hex(browser_token) != row.browser_hash:
        raise NotAllowed(
            "Open the link in the browser where you filled in the sign-up form, or sign up "
            "again from this one."
        )
    if find_user(session, email=row.email) is not None:  # e.g. joined through an invitation
        raise NotFound("This address already has an Archive account. Log in instead.")
    row.confirmed_at = now
    session.add(row)
    user = add_user(session, email=row.email, password_hash=row.password_hash, now=now)
    return _open_workspace(session, user=user, workspace_name=row.workspace_name, now=now)
