"""Exactly one process runs the jobs: whoever holds the leader lock.

Every worker and replica runs every lifespan task, so each one contends for a lock that the
operating system or the database releases when the holder dies:

* PostgreSQL: ``pg_try_advisory_lock`` on a dedicated connection held for the process lifetime.
  A crashed leader's connection closes and the lock goes with it.
* SQLite (one machine by definition): an exclusive ``fcntl.flock`` on a file in the data dir,
  released by the kernel when the process exits.

Non-leaders try again every ``retry_seconds``, so a crashed leader is replaced within that time.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

# "ARCHIVE" as a number: the advisory lock id every Archive process contends for.
ADVISORY_LOCK_KEY = int.from_bytes(b"ARCHIVE", "big")
LOCK_FILE_NAME = "scheduler.lock"


class LeaderLock(Protocol):
    def try_acquire(self) -> bool:
        """Take the lock if free; never blocks. True if this holder has it."""
        ...

    def still_held(self) -> bool:
        """False when the lock was lost behind our back (e.g. the database connection died)."""
        ...

    def release(self) -> None: ...


class FileLeaderLock:
    """flock is per open file description: two holders in one process exclude each other too."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def still_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


class PostgresLeaderLock:
    """A session-level advisory lock on a connection of its own, in autocommit so it never sits
    idle in a transaction (which would hold back VACUUM for the life of the process)."""

    def __init__(self, engine: Engine, key: int = ADVISORY_LOCK_KEY) -> None:
        self._engine = engine
        self._key = key
        self._conn: Connection | None = None

    def try_acquire(self) -> bool:
        if self._conn is not None:
            return True
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}).scalar()
        except BaseException:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def still_held(self) -> bool:
        if self._conn is None:
            return False
        try:
            # A session-level advisory lock lives exactly as long as its session.
            self._conn.execute(text("SELECT 1"))
        except Exception:
            log.exception("leader lock connection failed")
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
        except Exception:
            log.warning("could not unlock the leader lock; closing its connection instead")
        finally:
            self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            # The connection held a session lock: do not hand it back to the pool.
            conn.invalidate()
            conn.close()


def leader_lock_for(*, database_url: str, engine: Engine, data_dir: Path) -> LeaderLock:
    if database_url.startswith("postgresql"):
        return PostgresLeaderLock(engine)
    return FileLeaderLock(data_dir / LOCK_FILE_NAME)


class Leadership:
    """Contend for ``lock`` until cancelled; call ``on_elected`` / ``on_deposed`` around the
    time this process holds it."""

    def __init__(
        self,
        lock: LeaderLock,
        *,
        on_elected: Callable[[], None],
        on_deposed: Callable[[], None],
        retry_seconds: float = 15.0,
    ) -> None:
        self._lock = lock
        self._on_elected = on_elected
        self._on_deposed = on_deposed
        self._retry_seconds = retry_seconds
        self.is_leader = False
        # Set once the first contest is over (elected and started, or not): startup waits for
        # it so the ready line is printed after the scheduler's own (archive_app._ready).
        self.first_try_done = asyncio.Event()

    async def run(self) -> None:
        try:
            while True:
                try:
                    acquired = await self._in_thread(self._lock.try_acquire)
                except Exception:
                    # e.g. the database is not up yet: keep contending, never give up.
                    log.exception("could not contend for the scheduler leader lock")
                    acquired = False
                if not acquired:
                    self.first_try_done.set()
                if acquired:
                    await self._lead()
                await asyncio.sleep(self._retry_seconds)
        finally:
            self._step_down()

    async def _lead(self) -> None:
        self.is_leader = True
        log.info("this process is the scheduler leader (pid %s)", os.getpid())
        try:
            self._on_elected()
            self.first_try_done.set()
            while True:
                await asyncio.sleep(self._retry_seconds)
                if not await self._in_thread(self._lock.still_held):
                    log.error("scheduler leader lock lost; stopping jobs until it is back")
                    return
        except Exception:
            log.exception("scheduler failed; stepping down")
        finally:
            self.first_try_done.set()
            self._step_down()

    async def _in_thread(self, func: Callable[[], bool]) -> bool:
        """Run a blocking lock call in a thread. If we are cancelled meanwhile, let the call
        finish first so ``release`` sees what it took (no lock leaks on shutdown)."""
        future = asyncio.ensure_future(asyncio.to_thread(func))
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            with suppress(Exception):
                await future
            raise

    def _step_down(self) -> None:
        try:
            if self.is_leader:
                self.is_leader = False
                self._on_deposed()
        finally:
            self._lock.release()
