"""The database layer's own promises (``archive_app/db.py``, ``models/base.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, literal, select, text

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
