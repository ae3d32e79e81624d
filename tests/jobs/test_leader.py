"""Exactly one process runs the jobs, and a dead leader is replaced."""

from __future__ import annotations

import asyncio

import pytest

from archive_app.db import make_engine
from archive_app.jobs.leader import FileLeaderLock, Leadership, PostgresLeaderLock


def test_only_one_of_two_file_lock_holders_wins(tmp_path):
    first, second = FileLeaderLock(tmp_path / "s.lock"), FileLeaderLock(tmp_path / "s.lock")
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        assert first.try_acquire()  # holding it already counts
        first.release()
        assert second.try_acquire()
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()


async def _until(predicate) -> None:
    """Wait up to 3 s for ``predicate`` to hold."""
    for _ in range(300):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached within 3 s")


async def test_when_the_leader_stops_the_other_process_takes_over(tmp_path):
    events: list[str] = []

    def contender(name: str) -> Leadership:
        return Leadership(
            FileLeaderLock(tmp_path / "s.lock"),
            on_elected=lambda: events.append(f"{name} elected"),
            on_deposed=lambda: events.append(f"{name} deposed"),
            retry_seconds=0.02,
        )

    a, b = contender("a"), contender("b")
    tasks = {a: asyncio.create_task(a.run()), b: asyncio.create_task(b.run())}
    try:
        await _until(lambda: a.is_leader or b.is_leader)
        await asyncio.sleep(0.1)  # several retry rounds: still only one
        assert a.is_leader != b.is_leader
        leader, other = (a, b) if a.is_leader else (b, a)

        tasks[leader].cancel()  # the leader process goes away
        await asyncio.gather(tasks[leader], return_exceptions=True)
        await _until(lambda: other.is_leader)
        assert not leader.is_leader
        assert len([e for e in events if e.endswith("elected")]) == 2
    finally:
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)


@pytest.mark.postgres
def test_only_one_of_two_postgres_advisory_lock_holders_wins(postgres_database):
    engine = make_engine(postgres_database)
    first, second = PostgresLeaderLock(engine, key=4242), PostgresLeaderLock(engine, key=4242)
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        assert first.still_held()
        first.release()
        assert second.try_acquire()
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()
        engine.dispose()


@pytest.mark.postgres
def test_a_dead_leader_connection_frees_the_advisory_lock(postgres_database):
    engine = make_engine(postgres_database)
    first, second = PostgresLeaderLock(engine, key=4243), PostgresLeaderLock(engine, key=4243)
    try:
        assert first.try_acquire()
        assert first._conn is not None
        first._conn.invalidate()  # the process died: its connection is gone
        assert not first.still_held()
        assert second.try_acquire()
    finally:
        first.release()
        second.release()
        engine.dispose()


async def test_a_database_that_is_not_up_yet_does_not_end_the_contest(tmp_path):
    class FlakyLock(FileLeaderLock):
        failures = 2

        def try_acquire(self) -> bool:
            if self.failures:
                self.failures -= 1
                raise ConnectionError("database starting up")
            return super().try_acquire()

    leadership = Leadership(
        FlakyLock(tmp_path / "s.lock"),
        on_elected=lambda: None,
        on_deposed=lambda: None,
        retry_seconds=0.01,
    )
    task = asyncio.create_task(leadership.run())
    try:
        await _until(lambda: leadership.is_leader)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert not leadership.is_leader
    assert FileLeaderLock(tmp_path / "s.lock").try_acquire()  # released on the way out
