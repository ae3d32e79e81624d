"""The Team page's rules: who belongs to a workspace, who may do what, and removing a member.

Every function takes the acting user's id and workspace id (from the signed-in session, never
from the browser) and checks membership before doing anything. Removing a member ends their
access at once: their sessions of that workspace and any mail still waiting for them go too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from archive_app import events
from archive_app.clock import utc
from archive_app.models.auth import AuthSession
from archive_app.models.workspaces import Membership, Role, User, Workspace
from archive_app.services import outbox_cancel
from archive_app.services.actor import Actor
from archive_app.services.errors import InvalidInput, NotAllowed, NotFound


@dataclass(frozen=True)
class MemberRow:
    user_id: int
    email: str
    role: str
    joined_at: datetime


def _membership(session: Session, *, workspace_id: int, user_id: int) -> Membership | None:
    return session.exec(
        select(Membership).where(
            Membership.workspace_id == workspace_id, Membership.user_id == user_id
        )
    ).first()


def is_member(session: Session, *, workspace_id: int, user_id: int) -> bool:
    return _membership(session, workspace_id=workspace_id, user_id=user_id) is not None


def require_member(session: Session, *, workspace_id: int, user_id: int) -> Membership:
    membership = _membership(session, workspace_id=workspace_id, user_id=user_id)
    if membership is None:
        raise NotAllowed("You no longer have access to this workspace.")
    return membership


def require_owner(session: Session, *, workspace_id: int, user_id: int) -> Membership:
    membership = require_member(session, workspace_id=workspace_id, user_id=user_id)
    if membership.role != Role.owner:
        raise NotAllowed("Only workspace owners can manage the team.")
    return membership


def workspace_name(session: Session, *, actor: Actor) -> str:
    workspace_id, user_id = actor.workspace_id, actor.user_id
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    workspace = session.get(Workspace, workspace_id)
    assert workspace is not None
    return workspace.name


def member_emails(session: Session, *, workspace_id: int) -> list[str]:
    """Profile addresses of everyone with access now (for notifications; no viewer check)."""
    return list(
        session.exec(
            select(User.email)
            .join(Membership, Membership.user_id == User.id)  # type: ignore[arg-type]
            .where(Membership.workspace_id == workspace_id)
            .order_by(User.email)
        ).all()
    )


def list_members(session: Session, *, actor: Actor) -> list[MemberRow]:
    workspace_id, user_id = actor.workspace_id, actor.user_id
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    rows = session.exec(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)  # type: ignore[arg-type]
        .where(Membership.workspace_id == workspace_id)
        .order_by(col(Membership.role).desc(), User.email)
    ).all()
    return [
        MemberRow(user_id=u.id or 0, email=u.email, role=m.role, joined_at=utc(m.created_at))
        for m, u in rows
    ]


def remove_member(session: Session, *, actor: Actor, member_user_id: int) -> str:
    """End a member's access at once: membership, their sessions here, and their pending mail."""
    workspace_id, user_id = actor.workspace_id, actor.user_id
    require_owner(session, workspace_id=workspace_id, user_id=user_id)
    target = _membership(session, workspace_id=workspace_id, user_id=member_user_id)
    if target is None:
        raise NotFound("That person is not a member of this workspace.")
    if target.role == Role.owner:
        owners = session.exec(
            select(Membership).where(
                Membership.workspace_id == workspace_id, Membership.role == Role.owner
            )
        ).all()
        if len(owners) <= 1:
            raise InvalidInput("A workspace needs an owner: you can't remove the last one.")
    person = session.get(User, member_user_id)
    assert person is not None
    session.delete(target)
    session.execute(
        delete(AuthSession).where(
            col(AuthSession.user_id) == member_user_id,
            col(AuthSession.workspace_id) == workspace_id,
        )
    )
    outbox_cancel.cancel_pending(
        session, workspace_id=workspace_id, to_address=person.email, reason="recipient lost access"
    )
    events.record(session, events.MembersChanged(workspace_id=workspace_id))
    return person.email
