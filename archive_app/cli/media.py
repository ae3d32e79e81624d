"""``archive media-usage`` and ``archive delete-workspace``: the media store per workspace."""

from __future__ import annotations

from archive_app.cli.commands import Console, _session
from archive_app.deps import media_store
from archive_app.services.errors import ServiceError
from archive_app.services.media import usage
from archive_app.settings import Settings


def human(size: int) -> str:
    """1536 → "1.5 KB" (powers of 1,024, as ``du -h`` counts)."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"  # pragma: no cover - the loop returns first


def media_usage(io: Console, settings: Settings) -> int:
    store = media_store(settings)
    try:
        with _session(settings) as session:
            rows = usage.usage_by_workspace(session, store=store)
    except Exception as exc:  # the store or the database did not answer: say which, exit 1
        io.say(f"archive: could not read {store.describe()}: {type(exc).__name__}: {exc}")
        return 1
    io.say(f"Media store: {store.describe()}")
    if not rows:
        io.say("It holds no media yet.")
        return 0
    io.say(f"{'workspace':<40} {'files':>8} {'size':>12}")
    for row in rows:
        label = f"{row.workspace_id} {row.name}" if row.workspace_id is not None else row.name
        io.say(f"{label[:40]:<40} {row.objects:>8} {human(row.bytes):>12}")
    total = sum(r.bytes for r in rows)
    io.say(f"{'total':<40} {sum(r.objects for r in rows):>8} {human(total):>12}")
    return 0


def delete_workspace(io: Console, settings: Settings, *, workspace_id: int, name: str) -> int:
    try:
        with _session(settings) as session:
            deleted = usage.delete_workspace(session, workspace_id=workspace_id, confirm_name=name)
    except ServiceError as exc:
        io.say(f"archive: not deleted: {exc.message}")
        return 1
    files = usage.delete_workspace_media(media_store(settings), workspace_id=workspace_id)
    io.say(f"Deleted the workspace {deleted!r} and its {files} media file(s).")
    return 0
