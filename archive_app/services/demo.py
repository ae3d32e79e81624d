"""The demo workspace of ``make run``: "Demo Brand" with an owner and a teammate."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from archive_app.models.workspaces import Membership, Role, Workspace
from archive_app.services.auth import create_user, find_user

DEMO_WORKSPACE = "Demo Brand"
DEMO_PASSWORD = "demo1234"
DEMO_OWNER = "demo@example.com"
DEMO_MEMBER = "teammate@example.com"


def seed_demo(session: Session, *, now: datetime) -> bool:
    """Create "Demo Brand" with its owner and teammate once; later calls change nothing."""
    if find_user(session, email=DEMO_OWNER) is not None:
        return False
    workspace = Workspace(name=DEMO_WORKSPACE, created_at=now)
    session.add(workspace)
    session.flush()
    assert workspace.id is not None
    for address, role in ((DEMO_OWNER, Role.owner), (DEMO_MEMBER, Role.member)):
        user = find_user(session, email=address) or create_user(
            session, email=address, password=DEMO_PASSWORD, now=now
        )
        assert user.id is not None
        session.add(
            Membership(workspace_id=workspace.id, user_id=user.id, role=role, created_at=now)
        )
    session.flush()
    return True
