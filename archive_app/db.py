"""Engine and the unit of work. SQLite in demo/test (WAL, foreign keys on), PostgreSQL when
scaled out.

The one way to touch the database: ``await runner(lambda session: service(session, ...))``.
``SessionRunner`` opens a session, runs the work in a thread (never on the event loop that
serves the websockets), commits on success and rolls back on any error. Services take that
``Session`` first and never commit on their own, except where a refusal must be recorded.
After a commit, the domain events the work recorded (``events.py``) go to the one dispatcher
(``AfterCommit``, set by ``archive_app.py``: ``dispatch.py``); a rolled-back unit has none.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

from archive_app import events
from archive_app.models import caption_seams
from archive_app.settings import Settings

T = TypeVar("T")
log = logging.getLogger(__name__)


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
            caption_seams.register(dbapi_conn)  # the search triggers call it

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)

    @event.listens_for(engine, "connect")
    def _utc(dbapi_conn: Any, _record: Any) -> None:
        # Whatever the server's default (Debian's is "Etc/UTC", a ZoneInfo in Python), psycopg
        # then hands back timestamps in datetime.UTC itself, which UTCDateTime returns as they
        # are instead of converting each one (most of a 200-row page's conversion time).
        with dbapi_conn.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")
        dbapi_conn.commit()

    return engine


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


class BoundedPool:
    """A few threads of their own and a bounded queue, for slow CPU work (argon2).

    Auth units of work each hash or verify a password (tens of milliseconds of CPU). On the
    default executor that every page load's ``run_db`` shares, 200 sign-ups at once made a
    member's Feed wait 26 s. Here they wait behind each other only, and when ``max_waiting``
    are already queued the next one is refused at once (``refuse()`` is raised: the app passes
    ``services.errors.Busy``) instead of queueing forever.
    """

    def __init__(
        self, *, threads: int, max_waiting: int, name: str, refuse: Callable[[], Exception]
    ) -> None:
        self.threads = threads
        self.max_waiting = max_waiting
        self._refuse = refuse
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._in_flight = 0

    @property
    def in_flight(self) -> int:
        """Units of work running or waiting."""
        return self._in_flight

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        with self._lock:
            if self._in_flight >= self.threads + self.max_waiting:
                raise self._refuse()
            self._in_flight += 1
        try:
            call = functools.partial(contextvars.copy_context().run, fn, *args)
            return await asyncio.get_running_loop().run_in_executor(self._executor, call)
        finally:
            with self._lock:
                self._in_flight -= 1

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class Db(Protocol):
    """A unit of work as services take it: ``await db(lambda session: ...)`` runs the work in
    one transaction. ``SessionRunner`` is the real one; tests may pass any callable of this
    shape."""

    def __call__(self, work: Callable[[Session], T], /) -> Awaitable[T]: ...


EventHandler = Callable[[Sequence[events.Event]], Awaitable[None]]


class AfterCommit:
    """Where a unit of work's events go once it committed: the dispatcher (one per process,
    shared by ``Deps.db`` and ``Deps.auth_db``). Unset (tests, the CLI): events are dropped."""

    def __init__(self) -> None:
        self.handler: EventHandler | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def install(self, handler: EventHandler, loop: asyncio.AbstractEventLoop) -> None:
        self.handler, self.loop = handler, loop

    async def hand_over(self, recorded: Sequence[events.Event]) -> None:
        """From async code, after the commit: the effects run before the caller goes on (the
        acting tab sees them when its handler returns). A failing effect is logged, never
        raised: the change itself is committed."""
        if not recorded or self.handler is None:
            return
        try:
            await self.handler(recorded)
        except Exception:
            log.exception("could not dispatch %s", recorded)

    def hand_over_from_thread(self, recorded: Sequence[events.Event]) -> None:
        """From ``SessionRunner.sync`` (a thread, or startup code on the loop): scheduled on the
        loop, not awaited."""
        loop, handler = self.loop, self.handler
        if not recorded or handler is None or loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            loop.create_task(self.hand_over(recorded))
        else:
            asyncio.run_coroutine_threadsafe(self.hand_over(recorded), loop)


# SQLite in WAL mode answers "database is locked" at once, without waiting out busy_timeout,
# when a transaction that has read must write after another connection committed (its
# snapshot is stale: SQLITE_BUSY_SNAPSHOT). A requested poll lost its new mention that way
# until the next scheduled poll, 10 minutes later (a browser test caught it). Such a unit of
# work is run again, a few times.
BUSY_ATTEMPTS = 4


def _note_commit(committed: list[bool], session: Session) -> None:
    """A real COMMIT (a savepoint's release fires ``after_commit`` too: not one)."""
    if not session.in_nested_transaction():
        committed.append(True)


def sqlite_busy(engine: Engine, error: OperationalError) -> bool:
    return engine.dialect.name == "sqlite" and "database is locked" in str(error.orig)


@dataclass(frozen=True)
class SessionRunner:
    """Runs units of work against one engine. Call it from async code; ``sync`` from a thread.

    Without ``pool`` the work runs on asyncio's default executor (``asyncio.to_thread``); with
    one, on that pool's own threads (``Deps.auth_db``: argon2 never delays page loads)."""

    engine: Engine
    pool: BoundedPool | None = field(default=None, compare=False)
    after_commit: AfterCommit = field(default_factory=AfterCommit, compare=False)

    async def __call__(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` in a thread, in one transaction (committed when it returns); then
        the events it recorded take effect (``AfterCommit``)."""
        if self.pool is not None:
            result, recorded = await self.pool.run(self._run, work)
        else:
            result, recorded = await asyncio.to_thread(self._run, work)
        await self.after_commit.hand_over(recorded)
        return result

    def sync(self, work: Callable[[Session], T]) -> T:
        """From a thread (or startup code): the events' effects are scheduled, not awaited."""
        result, recorded = self._run(work)
        self.after_commit.hand_over_from_thread(recorded)
        return result

    def _run(self, work: Callable[[Session], T]) -> tuple[T, list[events.Event]]:
        for attempt in range(1, BUSY_ATTEMPTS + 1):
            committed: list[bool] = []
            try:
                with session_scope(self.engine) as session:
                    note = functools.partial(_note_commit, committed)
                    event.listen(session, "after_commit", note)
                    result = work(session)
                    session.flush()
                    recorded = events.take(session)
                return result, recorded  # committed: session_scope has left without an error
            except OperationalError as error:
                # Rolled back whole (nothing of it was committed): the same work again sees
                # the database as it is now.
                if committed or attempt == BUSY_ATTEMPTS or not sqlite_busy(self.engine, error):
                    raise
                log.info(
                    "SQLite was busy (attempt %d of %d): the unit of work runs again",
                    attempt,
                    BUSY_ATTEMPTS,
                )
                time.sleep(0.05 * attempt)
        raise AssertionError("unreachable")

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
