"""Issue 19, item 2: asking for a job run works in any process. The ask is a ``job_requests``
row, one per (job, target); whichever process leads takes the rows and runs each job once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from archive_app.db import session_scope
from archive_app.deps import Deps, build_deps
from archive_app.jobs import runs, scheduler
from archive_app.jobs.tasks import POLL_MENTIONS, JobSpec
from archive_app.models.job_requests import JobRequest
from archive_app.services import job_requests
from archive_app.settings import Settings

BURST = 40


def _deps(tmp_path: Path, engine: Engine, *, leads: bool) -> Deps:
    settings = Settings(
        mode="test",
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/unused.db",  # the lock file; data goes to ``engine``
        scheduler_enabled=leads,
    )
    return build_deps(settings, engine=engine)


def _rows(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as s:
        return sorted((r.job, r.target) for r in s.exec(select(JobRequest)).all())


async def _until(predicate: Callable[[], bool], seconds: float = 5) -> None:
    for _ in range(int(seconds * 100)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"condition not reached within {seconds} s")


class Counting:
    """A job that counts its runs (its own interval never comes within a test)."""

    def __init__(self, name: str = "test_ping") -> None:
        self.name = name
        self.runs = 0

    async def __call__(self, deps: Deps) -> dict[str, int]:
        self.runs += 1
        return {}

    def spec(self) -> JobSpec:
        return JobSpec(self.name, timedelta(hours=1), self)


def test_two_requests_for_one_job_and_target_are_one_row(engine: Engine, now):
    for _ in range(2):
        with session_scope(engine) as s:
            job_requests.request(s, job="drain_outbox", now=now)
            job_requests.request(s, job=POLL_MENTIONS, target="7", now=now)
    with session_scope(engine) as s:
        job_requests.request(s, job=POLL_MENTIONS, target="8", now=now)
    assert _rows(engine) == [("drain_outbox", ""), (POLL_MENTIONS, "7"), (POLL_MENTIONS, "8")]


def test_claim_all_hands_each_request_to_one_claimer_and_empties_the_table(engine: Engine, now):
    with session_scope(engine) as s:
        job_requests.request(s, job="drain_outbox", now=now)
        job_requests.request(s, job=POLL_MENTIONS, target="7", now=now)
    with session_scope(engine) as s:
        first = job_requests.claim_all(s)
    with session_scope(engine) as s:
        second = job_requests.claim_all(s)
    assert first == [("drain_outbox", ""), (POLL_MENTIONS, "7")]
    assert second == [] and _rows(engine) == []


async def test_a_kick_in_a_process_that_does_not_lead_writes_one_row_for_a_burst(
    tmp_path: Path, engine: Engine
):
    ping = Counting()
    async with scheduler.run_scheduler(_deps(tmp_path, engine, leads=False), jobs=(ping.spec(),)):
        assert not scheduler.is_leader()
        asked = [scheduler.kick("test_ping") for _ in range(BURST)]
        from_threads = await asyncio.gather(
            *(asyncio.to_thread(scheduler.kick, "test_ping") for _ in range(4))
        )
        await _until(lambda: not scheduler._writes)
        await asyncio.sleep(1.5)  # more than a take's interval: no one here takes it
        assert all(asked) and all(from_threads)
        assert not scheduler.kick("no_such_job")
    assert _rows(engine) == [("test_ping", "")]
    assert ping.runs == 0


async def test_a_request_a_follower_wrote_is_run_once_by_the_leader(tmp_path: Path, engine: Engine):
    ping = Counting()
    jobs = (ping.spec(),)
    async with scheduler.run_scheduler(_deps(tmp_path, engine, leads=False), jobs=jobs):
        for _ in range(BURST):
            scheduler.kick("test_ping")
        await _until(lambda: not scheduler._writes)
    assert _rows(engine) == [("test_ping", "")]
    leader_deps = _deps(tmp_path, engine, leads=True)
    async with scheduler.run_scheduler(leader_deps, jobs=jobs, retry_seconds=0.05):
        await _until(lambda: ping.runs == 1)
        await asyncio.sleep(1.5)  # another take comes and goes: nothing more to run
        assert ping.runs == 1
        assert _rows(engine) == []


async def test_a_row_another_replica_wrote_is_run_by_the_leader_within_two_seconds(
    tmp_path: Path, engine: Engine
):
    """No wake-up in this process: only the leader's one-second take can find the row."""
    ping = Counting()
    async with scheduler.run_scheduler(
        _deps(tmp_path, engine, leads=True), jobs=(ping.spec(),), retry_seconds=0.05
    ):
        await _until(scheduler.is_leader)
        await asyncio.sleep(0.2)  # the take at election is done
        with session_scope(engine) as s:  # what the other replica's kick writes
            job_requests.request(s, job="test_ping", now=datetime.now(UTC))
        await _until(lambda: ping.runs == 1, seconds=2)
    assert _rows(engine) == []


async def test_requested_polls_run_once_for_the_union_of_the_requested_sources(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
):
    polled: list[set[int] | None] = []

    async def fake_poll(deps: Deps, source_ids: set[int] | None = None) -> dict[str, int]:
        polled.append(source_ids)
        return {}

    monkeypatch.setattr(runs, "poll_mentions", fake_poll)
    full = Counting(POLL_MENTIONS)
    jobs = (full.spec(),)
    async with scheduler.run_scheduler(_deps(tmp_path, engine, leads=False), jobs=jobs):
        for _ in range(BURST):
            assert scheduler.request_poll(3) and scheduler.request_poll(5)
        await _until(lambda: not scheduler._writes)
    async with scheduler.run_scheduler(
        _deps(tmp_path, engine, leads=True), jobs=jobs, retry_seconds=0.05
    ):
        await _until(lambda: bool(polled))
        await asyncio.sleep(1.5)
    assert polled == [{3, 5}]
    assert full.runs == 0  # no poll of every source
