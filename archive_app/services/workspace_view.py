"""What every open tab of one workspace shows together, loaded once per change.

When something changes (a source disconnects, a member leaves), the live layer loads this view
once and hands it to each open tab of the workspace. Each tab then checks its own session
against ``session_hashes`` (the same check as a page load: a valid session of a current member
of this workspace) before it shows anything, so a tab whose person was removed or whose session
ended gets nothing and is unlinked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from archive_app.models.auth import AuthSession
from archive_app.models.workspaces import Membership
from archive_app.services.sources.status import SourceRow, workspace_source_rows


@dataclass(frozen=True)
class WorkspaceView:
    workspace_id: int
    sources: tuple[SourceRow, ...]
    member_count: int
    # SHA-256 of every session cookie that may see this workspace now.
    session_hashes: frozenset[str]


def load_workspace_view(session: Session, *, workspace_id: int, now: datetime) -> WorkspaceView:
    """For the system (webhooks, jobs, a member's action): each tab checks its own session."""
    hashes = session.exec(
        select(AuthSession.token_hash)
        .join(
            Membership,
            (Membership.user_id == AuthSession.user_id)  # type: ignore[arg-type]
            & (Membership.workspace_id == AuthSession.workspace_id),
        )
        .where(AuthSession.workspace_id == workspace_id, col(AuthSession.expires_at) > now)
    ).all()
    members = session.exec(
        select(func.count()).select_from(Membership).where(Membership.workspace_id == workspace_id)
    ).one()
    return WorkspaceView(
        workspace_id=workspace_id,
        sources=tuple(workspace_source_rows(session, workspace_id=workspace_id, now=now)),
        member_count=int(members),
        session_hashes=frozenset(hashes),
    )
