"""The media store per workspace: how much each holds, and removing all of one's media when
the workspace is deleted (issue 22, item 5).

Every key starts with ``w<workspace id>/`` (``covers.cover_key``), so the store itself is the
truth: sizes come from listing it, not from the database, and a workspace's files go with one
prefix deletion. A prefix whose workspace no longer exists is reported as such (media left
behind by a deletion that stopped half way: deleting it again cleans it up).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from archive_app.models.workspaces import Workspace
from archive_app.services.errors import InvalidInput, NotFound
from archive_app.services.media.store import MediaStore

_PREFIX = re.compile(r"w([0-9]{1,10})")


@dataclass(frozen=True)
class WorkspaceUsage:
    workspace_id: int | None
    name: str
    objects: int
    bytes: int


def workspace_prefix(workspace_id: int) -> str:
    return f"w{workspace_id}"


def usage_by_workspace(session: Session, *, store: MediaStore) -> list[WorkspaceUsage]:
    """What the store holds per workspace, largest first (the store is listed: blocking)."""
    listed = store.usage()
    ids = [int(m[1]) for top in listed if (m := _PREFIX.fullmatch(top))]
    names = dict(
        session.exec(select(Workspace.id, Workspace.name).where(col(Workspace.id).in_(ids))).all()
    )
    rows = []
    for top, used in listed.items():
        match = _PREFIX.fullmatch(top)
        workspace_id = int(match[1]) if match else None
        if workspace_id is None:
            name = f"(not a workspace's: {top}/)"
        else:
            name = names.get(workspace_id) or "(deleted workspace)"
        rows.append(WorkspaceUsage(workspace_id, name, used.objects, used.bytes))
    return sorted(rows, key=lambda r: (-r.bytes, r.workspace_id or 0))


def delete_workspace(session: Session, *, workspace_id: int, confirm_name: str) -> str:
    """Delete the workspace and, with it (the database cascades), its members' access, sources,
    mentions, requests and media records. Its files go with :func:`delete_workspace_media`
    once this unit of work committed. ``confirm_name`` must be the workspace's name."""
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFound(f"There is no workspace {workspace_id}.")
    if confirm_name.strip() != workspace.name:
        raise InvalidInput(
            f"Workspace {workspace_id} is not called {confirm_name.strip()!r}: nothing deleted."
        )
    session.delete(workspace)
    session.flush()
    return workspace.name


def delete_workspace_media(store: MediaStore, *, workspace_id: int) -> int:
    """Every file of the workspace in the store (after the workspace itself is gone)."""
    return store.delete_prefix(workspace_prefix(workspace_id))
