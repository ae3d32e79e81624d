"""The job scheduler: APScheduler 3 on the app's event loop, in the leader process only.

The jobs are the rows of ``jobs/tasks.py``'s ``JOBS`` table, each with a fixed id; a job's
``run`` gets the app's ``Deps``. The scheduler runs them with ``replace_existing``,
``coalesce`` and ``max_instances=1``; a per-job lock also keeps ``run_job_now``
(``POST /dev/jobs/<name>``) from overlapping a scheduled run in the same process. Jobs must be
safe to run twice anyway: a second worker's dev route, or a new leader after a crash, may run
one again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from archive_app import logs
from archive_app.deps import Deps
from archive_app.jobs.leader import Leadership, leader_lock_for
from archive_app.jobs.tasks import JOBS, POLL_MENTIONS, JobRun, JobSpec, poll_mentions

log = logging.getLogger(__name__)

LEADER_RETRY_SECONDS = 15.0
# On shutdown, how long the running jobs get to finish their step (compose waits 45 s).
SHUTDOWN_GRACE_SECONDS = 30.0


class UnknownJobError(KeyError):
    pass


# The one-off run that polls the sources connected just now (``request_poll``).
REQUESTED_POLL = f"{POLL_MENTIONS}_requested"

_scheduler: AsyncIOScheduler | None = None
_deps: Deps | None = None
# Sources whose poll was asked for and has not started / is under way (``request_poll``).
_poll_wanted: set[int] = set()
_poll_running: set[int] = set()
# Created on first use, inside the running loop.
_locks: dict[str, asyncio.Lock] = {}
# Job runs under way in this process; shutdown waits for them (they are shielded from the
# cancellation APScheduler's shutdown sends, so a thread's work is never abandoned).
_running: set[asyncio.Task[Any]] = set()


def job_names(jobs: Sequence[JobSpec] = JOBS) -> list[str]:
    return sorted(job.name for job in jobs)


async def run_job_now(name: str, deps: Deps, *, jobs: Sequence[JobSpec] = JOBS) -> dict[str, Any]:
    """Run one job in this process and wait for it.

    Raises ``UnknownJobError`` (a ``KeyError``) for a name no job has; a job's own failure is
    reported in the answer (``ok: false``) rather than raised.
    """
    job = next((job for job in jobs if job.name == name), None)
    if job is None:
        raise UnknownJobError(name)
    started = datetime.now(UTC)
    answer: dict[str, Any] = {"job": name}
    try:
        result = await _run_locked(job.name, job.run, deps)
    except Exception as exc:
        log.exception("job %s failed", name)
        answer.update(ok=False, error=f"{type(exc).__name__}: {exc}")
    else:
        answer.update(ok=True, result=dict(result or {}))
    answer["seconds"] = round((datetime.now(UTC) - started).total_seconds(), 3)
    return answer


def kick(name: str) -> bool:
    """Ask for a run of ``name`` as soon as possible (e.g. drain_outbox right after enqueue).

    Cheap and thread-safe. A no-op returning False unless this process is the leader; on the
    other processes the job's own interval picks the work up a few seconds later. Kicks
    coalesce: while a run is due now or under way, another kick adds nothing (so a burst of
    kicks is one run, never one run each).
    """
    scheduler = _scheduler
    if scheduler is None:
        return False
    try:
        job = scheduler.get_job(name)
        if job is None:
            return False
        now = datetime.now(UTC)
        lock = _locks.get(name)
        if (lock is not None and lock.locked()) or (
            job.next_run_time is not None and job.next_run_time <= now
        ):
            return True  # one run is already pending or running: this kick joins it
        scheduler.modify_job(name, next_run_time=now)
    except (JobLookupError, RuntimeError):
        return False
    return True


def request_poll(source_id: int) -> bool:
    """Read the mentions of one source that was just connected now, not at the next tick.

    Asked for once, server side, where a connection completes (never from a page load). Only
    that source is polled; asking again while its poll is pending or under way adds nothing.
    False unless this process is the leader: the next ``poll_mentions`` tick reads it then.
    """
    scheduler, deps = _scheduler, _deps
    if scheduler is None or deps is None:
        return False
    if source_id in _poll_wanted or source_id in _poll_running:
        return True
    _poll_wanted.add(source_id)
    try:
        if scheduler.get_job(REQUESTED_POLL) is None:
            scheduler.add_job(
                _run_requested_polls,
                "date",
                run_date=datetime.now(UTC),
                args=[deps],
                id=REQUESTED_POLL,
                name=REQUESTED_POLL,
                misfire_grace_time=60,
            )
    except RuntimeError:  # shutting down
        _poll_wanted.discard(source_id)
        return False
    return True


def is_leader() -> bool:
    return _scheduler is not None


@asynccontextmanager
async def run_scheduler(
    deps: Deps,
    *,
    jobs: Sequence[JobSpec] = JOBS,
    retry_seconds: float = LEADER_RETRY_SECONDS,
) -> AsyncIterator[Leadership | None]:
    """Run ``jobs`` for the context's lifetime whenever this process is the leader."""
    settings = deps.settings
    if not settings.scheduler_enabled:
        log.info("scheduler disabled (ARCHIVE_SCHEDULER_ENABLED=false)")
        yield None
        return
    lock = leader_lock_for(
        database_url=settings.database_url, engine=deps.engine, data_dir=settings.data_dir
    )
    leadership = Leadership(
        lock,
        on_elected=lambda: _start(deps, jobs),
        on_deposed=_stop,
        retry_seconds=retry_seconds,
    )
    task = asyncio.create_task(leadership.run(), name="archive-scheduler-leadership")
    try:
        yield leadership
    finally:
        await finish_running_jobs(deps)
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        # AsyncIOScheduler.shutdown completes on the loop: give it that turn.
        await asyncio.sleep(0)


async def finish_running_jobs(deps: Deps, *, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
    """Shutdown (SIGTERM): start no job, let each running one finish its current step.

    ``deps.stopping`` tells the jobs (the outbox finishes the mail being sent and leaves the
    rest pending); the leader lock is held until they are done, so no other process starts
    the same work meanwhile.
    """
    deps.stopping.set()
    _stop()
    running = [t for t in _running if not t.done()]
    if not running:
        return
    log.info("shutdown: waiting for %d running job(s) to finish their step", len(running))
    _done, pending = await asyncio.wait(running, timeout=grace)
    if pending:
        log.warning("shutdown: %d job(s) still running after %.0f s", len(pending), grace)
    else:
        log.info("shutdown: running jobs finished")


def _start(deps: Deps, jobs: Sequence[JobSpec]) -> None:
    global _scheduler, _deps
    scheduler = AsyncIOScheduler(timezone=UTC)
    for job in jobs:
        seconds = job.every.total_seconds()
        scheduler.add_job(
            _run_scheduled,
            "interval",
            seconds=seconds,
            args=[job, deps],
            id=job.name,
            name=job.name,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(1, int(seconds)),
        )
    scheduler.start()
    _scheduler, _deps = scheduler, deps
    log.info("scheduler started: %s", ", ".join(job_names(jobs)))


def _stop() -> None:
    global _scheduler, _deps
    scheduler, _scheduler, _deps = _scheduler, None, None
    _poll_wanted.clear()
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=False)
        log.info("scheduler stopped")


async def _run_scheduled(job: JobSpec, deps: Deps) -> None:
    """What APScheduler calls. Errors are logged, never raised: the next run tries again."""
    try:
        await _run_locked(job.name, job.run, deps)
    except Exception:
        log.exception("job %s failed", job.name)


async def _run_requested_polls(deps: Deps) -> None:
    """The sources ``request_poll`` asked for, in one run (requests made meanwhile join it)."""
    wanted = set(_poll_wanted)
    _poll_wanted.clear()
    if not wanted:
        return
    _poll_running.update(wanted)

    async def run(deps: Deps) -> Mapping[str, Any] | None:
        return await poll_mentions(deps, source_ids=wanted)

    try:
        await _run_locked(REQUESTED_POLL, run, deps)
    except Exception:
        log.exception("job %s failed", REQUESTED_POLL)
    finally:
        _poll_running.difference_update(wanted)


async def _run_locked(name: str, job_run: JobRun, deps: Deps) -> Mapping[str, Any] | None:
    lock = _locks.setdefault(name, asyncio.Lock())
    async with lock:
        # Every log line of this run (threads included) carries its id.
        token = logs.job_id.set(f"{name}-{logs.new_id()}")
        try:
            run = asyncio.ensure_future(job_run(deps))
            _running.add(run)
            run.add_done_callback(_running.discard)
            result = await asyncio.shield(run)
            if result and any(result.values()):
                log.info("job %s: %s", name, dict(result))
            return result
        finally:
            logs.job_id.reset(token)
