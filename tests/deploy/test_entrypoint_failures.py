"""deploy/entrypoint.sh when the start cannot go on: each cause said once, with its own advice.

The script runs as the image runs it (``/bin/sh``, as a user who does not own the data
directory where that is the point) with stub ``archive`` and ``alembic`` commands on PATH, so
each failure is exact and quick: a data directory the user cannot write, a database not
reachable, a SQLite file it may not write, a migration that is simply broken.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
RUNTIME_UID = 10001  # the image's user

ARCHIVE_STUB = """#!/bin/sh
echo "archive $*" >> "$STUB_CALLS"
[ "$1" = serve ] && echo "SERVING as $(id -u)"
exit 0
"""
# Each failure prints what SQLAlchemy prints for it (the last lines of the traceback).
ALEMBIC_STUB = """#!/bin/sh
echo "alembic $*" >> "$STUB_CALLS"
n=$(grep -c '^alembic' "$STUB_CALLS")
if [ "$n" -le "${STUB_FAILURES:-0}" ]; then
  echo "Traceback (most recent call last):"
  echo '  File "/opt/venv/bin/alembic", line 8, in <module>'
  echo "$STUB_ERROR"
  exit 1
fi
echo "INFO  [alembic.runtime.migration] Running upgrade"
"""
ERRORS = {
    "refused": "sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed: "
    'connection to server at "10.0.0.5", port 5432 failed: Connection refused',
    "readonly": "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) attempt to write a "
    "readonly database",
    "broken": "sqlalchemy.exc.ProgrammingError: (psycopg.errors.DuplicateTable) relation "
    '"users" already exists',
}


@dataclass
class Run:
    code: int
    log: str
    calls: list[str]

    def alembic_calls(self) -> int:
        return sum(1 for c in self.calls if c.startswith("alembic"))


@pytest.fixture
def home() -> Iterator[Path]:
    """Stubs and a data directory in a folder any user may read (not pytest's private one)."""
    folder = Path(tempfile.mkdtemp(prefix="archive-entrypoint-"))
    folder.chmod(0o755)
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    for name, body in (("archive", ARCHIVE_STUB), ("alembic", ALEMBIC_STUB)):
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    (folder / "data").mkdir(mode=0o755)
    calls = folder / "calls"
    calls.touch()
    calls.chmod(0o666)
    # A copy the image's user can run wherever the checkout is (a clone in a 0700 mktemp
    # folder cannot be entered by uid 10001).
    shutil.copy2(ENTRYPOINT, folder / "entrypoint.sh")
    (folder / "entrypoint.sh").chmod(0o755)
    yield folder
    subprocess.run(["rm", "-rf", str(folder)], check=False)


def _run(home: Path, *, as_other_user: bool = False, **env: str) -> Run:
    """The entrypoint with the stubs; ``as_other_user``: as a user who does not own data/."""
    data = home / "data"
    user = None
    if as_other_user:
        if os.geteuid() == 0:
            user = RUNTIME_UID  # root writes anywhere: be the image's user instead
        else:
            data.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)
    full_env = {
        "PATH": f"{home / 'bin'}:/usr/bin:/bin",
        "ARCHIVE_HOME": str(home),
        "ARCHIVE_DATA_DIR": str(data),
        "ARCHIVE_MIGRATE_TRIES": "3",
        "ARCHIVE_MIGRATE_WAIT": "0",
        "STUB_CALLS": str(home / "calls"),
        **env,
    }
    done = subprocess.run(
        [str(home / "entrypoint.sh")],
        env=full_env,
        cwd="/",
        user=user,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    calls = (home / "calls").read_text().splitlines()
    return Run(code=done.returncode, log=done.stdout + done.stderr, calls=calls)


def test_a_data_directory_the_user_cannot_write_is_said_once_and_not_retried(home):
    run = _run(home, as_other_user=True)
    uid = RUNTIME_UID if os.geteuid() == 0 else os.geteuid()
    assert run.code == 1
    said = f"entrypoint: cannot write the data directory {home / 'data'} (uid {uid})"
    assert run.log.count(said) == 1, run.log
    assert f"chown -R {uid}:{uid}" in run.log and "named volume" in run.log
    assert run.alembic_calls() == 0  # no migration attempted, so no traceback either
    assert "database not reachable" not in run.log and "Traceback" not in run.log


def test_an_unreachable_database_is_retried_quietly_then_named_once(home):
    run = _run(
        home,
        ARCHIVE_DATABASE_URL="postgresql://archive@10.0.0.5/archive",
        STUB_FAILURES="99",
        STUB_ERROR=ERRORS["refused"],
    )
    assert run.code == 1
    assert run.alembic_calls() == 3
    assert run.log.count("entrypoint: database not reachable yet; retrying every 0s") == 1
    assert run.log.count("entrypoint: database not reachable after 3 attempts") == 1
    assert "is ARCHIVE_DATABASE_URL right and the database up?" in run.log
    assert run.log.count("Connection refused") == 1  # the last error, once; no tracebacks
    assert "Traceback" not in run.log and "cannot write" not in run.log


def test_a_database_that_comes_up_while_retrying_is_migrated_then_served(home):
    run = _run(
        home,
        ARCHIVE_DATABASE_URL="postgresql://archive@10.0.0.5/archive",
        STUB_FAILURES="2",
        STUB_ERROR=ERRORS["refused"],
    )
    assert run.code == 0, run.log
    assert run.alembic_calls() == 3
    assert run.calls[-1] == "archive serve" and "SERVING" in run.log
    assert run.log.count("database not reachable yet") == 1
    assert "Traceback" not in run.log


def test_a_sqlite_file_the_user_cannot_write_names_the_data_directory_not_the_database(home):
    run = _run(home, STUB_FAILURES="99", STUB_ERROR=ERRORS["readonly"])
    assert run.code == 1
    assert run.alembic_calls() == 1
    assert run.log.count("entrypoint: cannot write the database in the data directory") == 1
    assert "attempt to write a readonly database" in run.log
    assert "database not reachable" not in run.log


def test_a_broken_migration_is_shown_whole_and_not_retried_as_a_missing_database(home):
    run = _run(
        home,
        ARCHIVE_DATABASE_URL="postgresql://archive@10.0.0.5/archive",
        STUB_FAILURES="99",
        STUB_ERROR=ERRORS["broken"],
    )
    assert run.code == 1
    assert run.alembic_calls() == 1
    assert "entrypoint: the migrations failed (not a connection problem, so not retried)" in (
        run.log
    )
    assert 'relation "users" already exists' in run.log
    assert "database not reachable" not in run.log


def test_a_writable_data_directory_and_a_database_lead_straight_to_the_server(home):
    run = _run(home)  # the folder is the runner's own
    assert run.code == 0, run.log
    assert run.calls == [
        "archive check-config --as-configured",
        "alembic upgrade head",
        "archive serve",
    ]
    assert not list((home / "data").iterdir())  # the write check left nothing behind
