"""Invitations: an owner invites an address; the link works once, for 7 days.

The link never checks a password: an address that has an Archive account accepts only from a
session of that very account (the normal, throttled log-in), so whoever holds the link (the
inviting owner too) cannot guess its password or join it without its consent. An address
without an account chooses a password on the invitation page: the link went to that mailbox.

In production the link is only in the email (``reveal_link=False``): an owner who could read it
off the Team page could accept it for an address they do not own. ``resend_invite`` mails a new
link (the old one stops working), at most ``MAX_RESENDS_PER_HOUR`` times an hour per invitation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from archive_app import events, paths
from archive_app.clock import utc
from archive_app.crypto import sha256_hex
from archive_app.mail.messages import invite_message
from archive_app.models.auth import AuthSession
from archive_app.models.notifications import OutboxEmail
from archive_app.models.workspaces import Invite, Membership, Role, User, Workspace
from archive_app.services import outbox
from archive_app.services.actor import Actor
from archive_app.services.auth import (
    SignedIn,
    check_password,
    create_user,
    find_user,
    normalize_email,
    start_session,
)
from archive_app.services.errors import InvalidInput, NotAllowed, NotFound, RateLimited
from archive_app.services.team import is_member, require_member, require_owner
from archive_app.settings import new_token

INVITE_LIFETIME = timedelta(days=7)
MAX_RESENDS_PER_HOUR = 3
RESEND_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class PendingInvite:
    invite_id: int
    email: str
    expires_at: datetime


@dataclass(frozen=True)
class InviteSent:
    invite_id: int
    email: str
    # The link, only when the caller may show it (demo and test mode); "" in production.
    accept_url: str


@dataclass(frozen=True)
class InviteDetails:
    workspace_name: str
    email: str
    # The invited address has an Archive account: it logs in first, no password here.
    has_account: bool
    # The address this browser is signed in as ("" when signed out).
    signed_in_as: str

    @property
    def can_accept_signed_in(self) -> bool:
        return self.has_account and self.signed_in_as == self.email


def list_pending_invites(session: Session, *, actor: Actor, now: datetime) -> list[PendingInvite]:
    workspace_id, user_id = actor.workspace_id, actor.user_id
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    invites = session.exec(
        select(Invite)
        .where(
            Invite.workspace_id == workspace_id,
            col(Invite.accepted_at).is_(None),
            col(Invite.revoked_at).is_(None),
        )
        .order_by(col(Invite.created_at).desc())
    ).all()
    return [
        PendingInvite(invite_id=i.id or 0, email=i.email, expires_at=utc(i.expires_at))
        for i in invites
        if utc(i.expires_at) > now
    ]


def invite(
    session: Session,
    *,
    actor: Actor,
    email: str,
    base_url: str,
    reveal_link: bool,
    now: datetime,
) -> InviteSent:
    """Invite an address: queues the link by email, and returns it only when ``reveal_link``
    (demo and test mode, where mail goes to the built-in mailbox)."""
    workspace_id, user_id = actor.workspace_id, actor.user_id
    owner = require_owner(session, workspace_id=workspace_id, user_id=user_id)
    address = normalize_email(email)
    existing = find_user(session, email=address)
    if existing is not None and is_member(
        session, workspace_id=workspace_id, user_id=existing.id or 0
    ):
        raise InvalidInput(f"{address} is already a member of this workspace.", field="email")
    token = new_token()
    row = Invite(
        workspace_id=workspace_id,
        email=address,
        token_hash=sha256_hex(token),
        invited_by_id=owner.user_id,
        created_at=now,
        expires_at=now + INVITE_LIFETIME,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    accept_url = _mail_link(
        session, row=row, token=token, base_url=base_url, dedupe_key=f"invite:{row.id}", now=now
    )
    return InviteSent(invite_id=row.id, email=address, accept_url=accept_url if reveal_link else "")


def _mail_link(
    session: Session, *, row: Invite, token: str, base_url: str, dedupe_key: str, now: datetime
) -> str:
    """Queue the invitation mail for ``row`` with ``token``'s link; returns the link."""
    accept_url = f"{base_url}{paths.INVITE}/{token}"
    inviter = session.get(User, row.invited_by_id) if row.invited_by_id else None
    workspace = session.get(Workspace, row.workspace_id)
    assert workspace is not None
    outbox.enqueue(
        session,
        message=invite_message(
            workspace_name=workspace.name,
            inviter_email=inviter.email if inviter else "A workspace owner",
            accept_url=accept_url,
            to=row.email,
            has_account=find_user(session, email=row.email) is not None,
        ),
        dedupe_key=dedupe_key,
        now=now,
        workspace_id=row.workspace_id,
    )
    return accept_url


def resend_invite(
    session: Session,
    *,
    actor: Actor,
    invite_id: int,
    base_url: str,
    reveal_link: bool,
    now: datetime,
) -> InviteSent:
    """Mail a pending invitation again with a NEW link (the old one stops working), valid
    ``INVITE_LIFETIME`` from now. At most ``MAX_RESENDS_PER_HOUR`` an hour per invitation, so
    the button cannot flood the invited mailbox."""
    workspace_id, user_id = actor.workspace_id, actor.user_id
    require_owner(session, workspace_id=workspace_id, user_id=user_id)
    row = session.get(Invite, invite_id)
    if row is None or row.workspace_id != workspace_id or row.revoked_at or row.accepted_at:
        raise NotFound("That invitation no longer exists.")
    assert row.id is not None
    prefix = f"invite:{row.id}:resend:"
    recent = session.exec(
        select(func.count())
        .select_from(OutboxEmail)
        .where(
            col(OutboxEmail.dedupe_key).startswith(prefix),
            col(OutboxEmail.created_at) > now - RESEND_WINDOW,
        )
    ).one()
    if recent >= MAX_RESENDS_PER_HOUR:
        raise RateLimited(
            f"The invitation to {row.email} was sent {MAX_RESENDS_PER_HOUR} times in the last "
            "hour. Wait an hour before sending it again, or check the address.",
            retry_after_minutes=60,
        )
    token = new_token()
    row.token_hash = sha256_hex(token)
    row.expires_at = now + INVITE_LIFETIME
    session.add(row)
    session.flush()
    accept_url = _mail_link(
        session,
        row=row,
        token=token,
        base_url=base_url,
        dedupe_key=f"{prefix}{row.token_hash[:16]}",
        now=now,
    )
    return InviteSent(
        invite_id=row.id, email=row.email, accept_url=accept_url if reveal_link else ""
    )


def _open_invite(session: Session, *, token: str, now: datetime) -> Invite:
    row = session.exec(select(Invite).where(Invite.token_hash == sha256_hex(token or ""))).first()
    if row is None or row.revoked_at is not None:
        raise NotFound("This invitation link is not valid. Ask for a new one.")
    if row.accepted_at is not None:
        raise NotFound("This invitation was already used. Log in instead.")
    if utc(row.expires_at) <= now:
        raise NotFound("This invitation has expired. Ask the workspace owner for a new one.")
    return row


def _session_user(session: Session, *, session_token: str | None, now: datetime) -> User | None:
    """Whose unexpired session this cookie is, whatever workspace it looks at (or none)."""
    if not session_token:
        return None
    auth = session.exec(
        select(AuthSession).where(AuthSession.token_hash == sha256_hex(session_token))
    ).first()
    if auth is None or utc(auth.expires_at) <= now:
        return None
    return session.get(User, auth.user_id)


def describe_invite(
    session: Session, *, token: str, session_token: str | None, now: datetime
) -> InviteDetails:
    row = _open_invite(session, token=token, now=now)
    workspace = session.get(Workspace, row.workspace_id)
    assert workspace is not None
    signed_in = _session_user(session, session_token=session_token, now=now)
    return InviteDetails(
        workspace_name=workspace.name,
        email=row.email,
        has_account=find_user(session, email=row.email) is not None,
        signed_in_as=signed_in.email if signed_in is not None else "",
    )


def accept_invite(
    session: Session, *, token: str, password: str, session_token: str | None, now: datetime
) -> SignedIn:
    """Join the workspace. New people choose a password here; an address that already has an
    account accepts only from a session of that very account (``session_token``) and no
    password is ever checked, so the link is no way to guess one.

    Any refusal changes nothing: the invitation stays usable. On success this browser gets a
    new session for the workspace it joined (the one it came with, if any, ends).
    """
    row = _open_invite(session, token=token, now=now)
    user = find_user(session, email=row.email)
    if user is not None:
        signed_in = _session_user(session, session_token=session_token, now=now)
        if signed_in is None:
            raise NotAllowed(
                f"{row.email} already has an Archive account: log in as {row.email}, then "
                "accept the invitation."
            )
        if signed_in.id != user.id:
            raise NotAllowed(
                f"This invitation is for {row.email}, but you are logged in as "
                f"{signed_in.email}. Log out, then log in as {row.email} to accept it."
            )
    else:
        check_password(password)
        user = create_user(session, email=row.email, password=password, now=now)
    assert user.id is not None
    if not is_member(session, workspace_id=row.workspace_id, user_id=user.id):
        session.add(
            Membership(
                workspace_id=row.workspace_id, user_id=user.id, role=Role.member, created_at=now
            )
        )
    row.accepted_at = now
    session.add(row)
    events.record(session, events.MembersChanged(workspace_id=row.workspace_id))
    if session_token:
        # This browser's cookie is replaced below: its old session must not outlive it.
        session.execute(
            delete(AuthSession).where(col(AuthSession.token_hash) == sha256_hex(session_token))
        )
    return start_session(session, user_id=user.id, workspace_id=row.workspace_id, now=now)


def revoke_invite(session: Session, *, actor: Actor, invite_id: int, now: datetime) -> None:
    workspace_id, user_id = actor.workspace_id, actor.user_id
    require_owner(session, workspace_id=workspace_id, user_id=user_id)
    row = session.get(Invite, invite_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFound("That invitation no longer exists.")
    row.revoked_at = now
    session.add(row)
