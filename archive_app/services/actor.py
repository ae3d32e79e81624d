"""Who acts: the person and workspace a service works for, resolved once from the session.

States build it in ``AppState._act`` (``Viewer.actor``), routes from the session cookie; tests
from the factories. Services that act for a person take ``actor`` and still check the
membership against the database (``team.require``): a removed member's open tab must not act.
This is where roles and the audit log hook in.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive_app.models.workspaces import Role


@dataclass(frozen=True)
class Actor:
    workspace_id: int
    user_id: int
    role: Role = Role.member
