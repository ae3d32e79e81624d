"""Invitations: an owner invites an address; the link works once, for 7 days.

What the owner sees is the same whether or not the address already has an Archive account;
only the invitation email, read by the mailbox's owner, says which password to use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from archive_app import paths
from archive_app.clock import utc
from archive_app.crypto import sha256_hex
from archive_app.mail.messages import invite_message
from archive_app.models.workspaces import Invite, Membership, Role, User, Workspace
from archive_app.services import outbox
from archive_app.services.auth import (
    SignedIn,
    check_password,
    create_user,
    find_user,
    normalize_email,
    start_session,
    verify_password,
)
from archive_app.services.errors import InvalidInput, NotFound
from archive_app.services.team import require_member, require_owner
from archive_app.settings import new_token

INVITE_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class PendingInvite:
    invite_id: int
    email: str
    expires_at: datetime


@dataclass(frozen=True)
class InviteSent:
    invite_id: int
    email: str
    accept_url: str


@dataclass(frozen=True)
class InviteDetails:
    workspace_name: str
    email: str


def list_pending_invites(
    session: Session, *, workspace_id: int, user_id: int, now: datetime
) -> list[PendingInvite]:
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
    workspace_id: int,
    user_id: int,
    email: str,
    base_url: str,
    now: datetime,
) -> InviteSent:
    """Invite an address: returns the link to show, and queues the same link by email.

    What the owner sees is the same whether or not the address already has an Archive account
    (only the invitation email, read by the mailbox's owner, says which password to use).
    """
    owner = require_owner(session, workspace_id=workspace_id, user_id=user_id)
    address = normalize_email(email)
    existing = find_user(session, email=address)
    if existing is not None and existing.id is not None:
        already = session.exec(
            select(Membership).where(
                Membership.workspace_id == workspace_id, Membership.user_id == existing.id
            )
        ).first()
        if already:
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
    accept_url = f"{base_url}{paths.INVITE}/{token}"
    inviter = session.get(User, owner.user_id)
    workspace = session.get(Workspace, workspace_id)
    assert inviter is not None and workspace is not None
    outbox.enqueue(
        session,
        message=invite_message(
            workspace_name=workspace.name,
            inviter_email=inviter.email,
            accept_url=accept_url,
            to=address,
            has_account=existing is not None,
        ),
        dedupe_key=f"invite:{row.id}",
        now=now,
        workspace_id=workspace_id,
    )
    return InviteSent(invite_id=row.id, email=address, accept_url=accept_url)


def _open_invite(session: Session, *, token: str, now: datetime) -> Invite:
    row = session.exec(select(Invite).where(Invite.token_hash == sha256_hex(token or ""))).first()
    if row is None or row.revoked_at is not None:
        raise NotFound("This invitation link is not valid. Ask for a new one.")
    if row.accepted_at is not None:
        raise NotFound("This invitation was already used. Log in instead.")
    if utc(row.expires_at) <= now:
        raise NotFound("This invitation has expired. Ask the workspace owner for a new one.")
    return row


def describe_invite(session: Session, *, token: str, now: datetime) -> InviteDetails:
    row = _open_invite(session, token=token, now=now)
    workspace = session.get(Workspace, row.workspace_id)
    assert workspace is not None
    return InviteDetails(
        workspace_name=workspace.name,
        email=row.email,
    )


def accept_invite(session: Session, *, token: str, password: str, now: datetime) -> SignedIn:
    """Join the workspace: new people choose a password, existing accounts confirm theirs.

    A too-short password gets the same answer in both cases (every account's password is long
    enough), so that answer does not say whether the address has an account.
    """
    row = _open_invite(session, token=token, now=now)
    check_password(password)
    user = find_user(session, email=row.email)
    if user is None:
        user = create_user(session, email=row.email, password=password, now=now)
    elif not verify_password(user.password_hash, password or ""):
        raise InvalidInput(
            "That password doesn't match the Archive account of this address.", field="password"
        )
    assert user.id is not None
    if (
        session.exec(
            select(Membership).where(
                Membership.workspace_id == row.workspace_id, Membership.user_id == user.id
            )
        ).first()
        is None
    ):
        session.add(
            Membership(
                workspace_id=row.workspace_id, user_id=user.id, role=Role.member, created_at=now
            )
        )
    row.accepted_at = now
    session.add(row)
    return start_session(session, user_id=user.id, workspace_id=row.workspace_id, now=now)


def revoke_invite(
    session: Session, *, workspace_id: int, user_id: int, invite_id: int, now: datetime
) -> None:
    require_owner(session, workspace_id=workspace_id, user_id=user_id)
    row = session.get(Invite, invite_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFound("That invitation no longer exists.")
    row.revoked_at = now
    session.add(row)
