"""``archive media-usage`` and ``archive delete-workspace`` on a real database and store."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from archive_app.models.media import MediaKind, MediaObject
from archive_app.models.mentions import Mention
from archive_app.models.workspaces import Workspace
from archive_app.services.media.store import LocalStore
from archive_app.settings import Settings
from tests import factories
from tests.cli.test_cli import run, settings  # noqa: F401  (the fixture)


def _covered_workspace(
    session: Session, store: LocalStore, now: datetime, *, email: str, name: str, size: int
) -> int:
    owner = factories.workspace(session, now=now, email=email, name=name)
    creator = factories.creator(session, workspace_id=owner.workspace_id, now=now)
    mention = factories.mention(session, workspace_id=owner.workspace_id, creator=creator, now=now)
    key = f"w{owner.workspace_id}/covers/{mention.id}-0123456789abcdef.jpg"
    store.put(key, b"x" * size, content_type="image/jpeg")
    session.add(
        MediaObject(
            workspace_id=owner.workspace_id,
            kind=MediaKind.cover,
            key=key,
            content_type="image/jpeg",
            size_bytes=size,
            sha256="0" * 64,
            mention_id=mention.id,
            created_at=now,
        )
    )
    session.commit()
    return owner.workspace_id


def test_media_usage_lists_each_workspaces_files_and_size_largest_first(
    settings: Settings,  # noqa: F811
    session: Session,
    now: datetime,
) -> None:
    store = LocalStore(Path(settings.data_dir) / "media")
    small = _covered_workspace(session, store, now, email="a@a.com", name="Small", size=100)
    big = _covered_workspace(session, store, now, email="b@b.com", name="Big", size=3000)

    code, out = run(settings, "media-usage")

    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"Media store: the directory {Path(settings.data_dir) / 'media'}"
    assert lines[2].split() == [str(big), "Big", "1", "2.9", "KB"]
    assert lines[3].split() == [str(small), "Small", "1", "100", "bytes"]
    assert lines[4].split() == ["total", "2", "3.0", "KB"]


def test_media_usage_of_an_empty_store_says_so(settings: Settings) -> None:  # noqa: F811
    assert run(settings, "media-usage") == (
        0,
        f"Media store: the directory {Path(settings.data_dir) / 'media'}\nIt holds no media yet.\n",
    )


def test_deleting_a_workspace_deletes_its_rows_and_its_media_and_no_one_elses(
    settings: Settings,  # noqa: F811
    session: Session,
    now: datetime,
) -> None:
    store = LocalStore(Path(settings.data_dir) / "media")
    gone = _covered_workspace(session, store, now, email="a@a.com", name="Gone", size=10)
    kept = _covered_workspace(session, store, now, email="b@b.com", name="Kept", size=20)

    assert run(settings, "delete-workspace", "--id", str(gone), "--name", "Wrong") == (
        1,
        f"archive: not deleted: Workspace {gone} is not called 'Wrong': nothing deleted.\n",
    )
    code, out = run(settings, "delete-workspace", "--id", str(gone), "--name", "Gone")

    assert (code, out) == (0, "Deleted the workspace 'Gone' and its 1 media file(s).\n")
    session.expire_all()
    assert session.get(Workspace, gone) is None
    assert {m.workspace_id for m in session.exec(select(Mention)).all()} == {kept}
    assert {o.workspace_id for o in session.exec(select(MediaObject)).all()} == {kept}
    assert set(store.usage()) == {f"w{kept}"}
