"""Engine and the unit of work. SQLite in demo/test (WAL, foreign keys on), PostgreSQL when
scaled out.

The one way to touch the database: ``await runner(lambda session: service(session, ...))``.
``SessionRunner`` opens a session, runs the work in a thread (never on the event loop that
serves the websockets), commits on success and rolls back on any error. Services take that
``Session`` first and never commit on their own, except where a refusal must be recorded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine, event, text
from sqlmodel import Session, create_engine

from archive_app.settings import Settings

T = TypeVar("T")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def engine_for(settings: Settings) -> Engine:
    """The app's engine (made once, in ``archive_app.py``, and held by ``Deps``)."""
    if settings.database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.database_url)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@dataclass(frozen=True)
class SessionRunner:
    """Runs units of work against one engine. Call it from async code; ``sync`` from a thread."""

    engine: Engine

    async def __call__(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` in a thread, in one transaction (committed when it returns)."""
        return await asyncio.to_thread(self.sync, work)

    def sync(self, work: Callable[[Session], T]) -> T:
        with session_scope(self.engine) as session:
            return work(session)

    async def off_loop(self, work: Callable[[Engine], T]) -> T:
        """Blocking work that manages its own transactions (e.g. the outbox's one per mail)."""
        return await asyncio.to_thread(work, self.engine)


def ping(session: Session) -> str:
    """The schema's revision, read from the database: raises when the database is unreachable,
    or is not Archive's (a deleted SQLite file reopens empty, without ``alembic_version``)."""
    revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if revision is None:
        raise RuntimeError("the database has no migration applied")
    return str(revision)
