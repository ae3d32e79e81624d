"""The scheduler runs the JOBS table in the leader only; the dev runner runs one on demand."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from archive_app.db import make_engine
from archive_app.deps import Deps, build_deps
from archive_app.jobs import runs, scheduler
from archive_app.jobs.tasks import JOBS, JobSpec
from archive_app.mail.messages import EmailMessage
from archive_app.mail.sink import MailSink
from archive_app.models.job_requests import JobRequest
from archive_app.models.notifications import OutboxEmail, OutboxStatus, SinkMessage
from archive_app.services import outbox
from archive_app.settings import Settings


def _settings(tmp_path, **kw) -> Settings:
    return Settings(mode="test", data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/s.db", **kw)


def _deps(settings: Settings, engine: Engine) -> Deps:
    return build_deps(settings, engine=engine)


async def _until(predicate) -> None:
    """Wait up to 3 s for ``predicate`` to hold."""
    for _ in range(300):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached within 3 s")


async def test_app_settings_respect_scheduler_enabled_false(tmp_path, engine: Engine):
    # tests/conftest.py sets ARCHIVE_SCHEDULER_ENABLED=false for the whole suite.
    settings = Settings(mode="test", data_dir=tmp_path)
    assert not settings.scheduler_enabled
    async with scheduler.run_scheduler(_deps(settings, engine)) as leadership:
        assert leadership is None
        assert not scheduler.is_leader()


def test_every_job_is_a_row_of_one_table_with_a_unique_name():
    names = [job.name for job in JOBS]
    assert "drain_outbox" in names and len(names) == len(set(names))
    with pytest.raises(ValueError, match="every must be positive"):
        JobSpec("never", timedelta(0), JOBS[0].run)


async def test_disabled_scheduler_runs_nothing_and_leaves_a_kick_to_the_leader(
    tmp_path, engine: Engine
):
    runs = 0

    async def ping(deps: Deps) -> dict[str, int]:
        nonlocal runs
        runs += 1
        return {}

    jobs = (JobSpec("test_ping", timedelta(minutes=1), ping),)
    async with scheduler.run_scheduler(
        _deps(_settings(tmp_path, scheduler_enabled=False), engine), jobs=jobs
    ) as leadership:
        assert leadership is None
        assert not scheduler.is_leader()
        # Recorded for whichever process leads (jobs/scheduler.py), never run here.
        assert scheduler.kick("test_ping")
        await asyncio.sleep(1.5)
    assert runs == 0
    with Session(engine) as session:
        assert [r.job for r in session.exec(select(JobRequest)).all()] == ["test_ping"]


async def test_leader_runs_jobs_and_kick_runs_one_at_once(tmp_path, engine):
    ran = asyncio.Event()

    async def ping(deps: Deps) -> dict[str, int]:
        ran.set()
        return {"pings": 1}

    jobs = (JobSpec("test_ping", timedelta(hours=1), ping),)  # would not run on its own
    deps = _deps(_settings(tmp_path, scheduler_enabled=True), engine)
    async with scheduler.run_scheduler(deps, jobs=jobs, retry_seconds=0.05) as lead:
        assert lead is not None
        await _until(scheduler.is_leader)
        assert (tmp_path / "scheduler.lock").exists()
        assert scheduler.kick("test_ping")
        await asyncio.wait_for(ran.wait(), timeout=3)
        assert not scheduler.kick("no_such_job")
    assert not scheduler.is_leader()
    assert not scheduler.kick("test_ping")


async def test_second_scheduler_in_the_same_data_dir_stays_follower(tmp_path, engine):
    deps = _deps(_settings(tmp_path, scheduler_enabled=True), engine)
    async with scheduler.run_scheduler(deps, retry_seconds=0.05) as first:
        await _until(scheduler.is_leader)
        async with scheduler.run_scheduler(deps, retry_seconds=0.05) as second:
            await asyncio.sleep(0.2)
            assert first is not None and second is not None
            assert first.is_leader and not second.is_leader


async def test_run_job_now_refuses_unknown_names(job_deps):
    with pytest.raises(runs.UnknownJobError):
        await runs.run_job_now("nope", job_deps)
    assert "drain_outbox" in runs.job_names()


async def test_run_job_now_reports_a_failing_job(job_deps):
    async def broken(deps: Deps) -> None:
        raise RuntimeError("database is down")

    jobs = (JobSpec("test_broken", timedelta(minutes=1), broken),)
    answer = await runs.run_job_now("test_broken", job_deps, jobs=jobs)
    assert answer["ok"] is False and "database is down" in answer["error"]


async def test_drain_outbox_job_delivers_due_mail_over_smtp(app_engine, app_settings, job_deps):
    now = datetime.now(UTC)
    with Session(app_engine, expire_on_commit=False) as session:
        row = outbox.enqueue(
            session,
            message=EmailMessage(to="owner@brand.example", subject="Hello", text="t", html="h"),
            dedupe_key="job-test",
            now=now,
        )
        session.commit()
    with MailSink(host=app_settings.smtp_host, port=app_settings.smtp_port, engine=app_engine):
        answer = await runs.run_job_now("drain_outbox", job_deps)
        again = await runs.run_job_now("drain_outbox", job_deps)

    assert answer["ok"] and answer["result"]["sent"] == 1
    assert again["result"]["sent"] == 0
    with Session(app_engine) as session:
        assert session.get(OutboxEmail, row.id).status == OutboxStatus.sent
        received = session.exec(select(SinkMessage)).all()
    assert [(m.subject, m.to_addresses) for m in received] == [("Hello", "owner@brand.example")]


@pytest.mark.postgres
async def test_on_postgresql_one_of_two_schedulers_leads(tmp_path, postgres_database):
    engine = make_engine(postgres_database)
    settings = Settings(
        mode="test", data_dir=tmp_path, database_url=postgres_database, scheduler_enabled=True
    )
    deps = _deps(settings, engine)
    try:
        async with scheduler.run_scheduler(deps, retry_seconds=0.05) as a:
            await _until(scheduler.is_leader)
            async with scheduler.run_scheduler(deps, retry_seconds=0.05) as b:
                await asyncio.sleep(0.2)
                assert a is not None and b is not None
                assert a.is_leader and not b.is_leader
            assert not (tmp_path / "scheduler.lock").exists()  # the advisory lock was used
    finally:
        engine.dispose()
