"""The database layer's own promises (``archive_app/db.py``, ``models/base.py``)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, literal, select, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from archive_app.db import SessionRunner, make_engine
from archive_app.models.base import UTCDateTime


def test_instants_come_back_as_utc_whatever_zone_they_were_written_in(engine: Engine) -> None:
    written = datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=-5)))
    with engine.connect() as conn:
        read = conn.execute(select(literal(written, UTCDateTime()))).scalar_one()
    assert read == written and read.tzinfo is UTC
    assert read.hour == 6  # 01:30 at UTC-5


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(Exception, match="naive datetime"):
        conn.execute(select(literal(datetime(2026, 1, 1), UTCDateTime()))).scalar_one()


def test_postgresql_connections_run_in_utc(engine: Engine) -> None:
    """So psycopg hands back ``datetime.UTC`` itself, which UTCDateTime passes through instead
    of converting each value (and ``date()`` of an instant is its UTC day)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no session time zone")
    with engine.connect() as conn:
        assert conn.execute(text("SHOW TIME ZONE")).scalar_one() == "UTC"
        assert conn.execute(text("SELECT now()")).scalar_one().tzinfo is UTC


def test_a_unit_of_work_whose_sqlite_snapshot_went_stale_runs_again(tmp_path: Path) -> None:
    """SQLite (WAL) refuses at once a write from a transaction that read before another
    connection committed ("database is locked", without waiting): the runner runs it again."""
    engine = make_engine(f"sqlite:///{tmp_path / 'busy.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    attempts: list[int] = []

    def work(session: Session) -> int:
        attempts.append(1)
        # As ingest does. A first savepoint (a creator looked up) is released: SQLAlchemy
        # calls that a commit too, yet nothing is committed to retry around. Then a savepoint
        # reads (is the video known?), another connection commits a write meanwhile, and this
        # one's write finds its snapshot stale.
        with session.begin_nested():
            session.execute(text("SELECT count(*) FROM t")).scalar_one()
        with session.begin_nested():
            session.execute(text("SELECT count(*) FROM t")).scalar_one()
            if len(attempts) == 1:
                with engine.begin() as other:
                    other.execute(text("INSERT INTO t VALUES (1)"))
            session.execute(text("INSERT INTO t VALUES (2)"))
        return len(attempts)

    assert SessionRunner(engine).sync(work) == 2
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT n FROM t")).scalars()) == [1, 2]


def test_a_unit_of_work_that_committed_part_of_itself_is_not_run_again(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'busy.db'}")
    attempts: list[int] = []

    def work(session: Session) -> None:
        attempts.append(1)
        session.commit()  # e.g. a refusal recorded before the rest
        raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))

    with pytest.raises(OperationalError):
        SessionRunner(engine).sync(work)
    assert attempts == [1]
