"""The job scheduler: APScheduler 3 on the app's event loop, in the leader process only.

The jobs are the rows of ``jobs/tasks.py``'s ``JOBS`` table, each with a fixed id; a job's
``run`` gets the app's ``Deps``. The scheduler runs them with ``replace_existing``,
``coalesce`` and ``max_instances=1``; a per-job lock also keeps ``run_job_now``
(``POST /dev/jobs/<name>``) from overlapping a scheduled run in the same process. Jobs must be
safe to run twice anyway: a second worker's dev route, or a new leader after a crash, may run
one again.

Asking for a run (``kick``, ``request_poll``) works in every process, leader or not: it writes
a ``job_requests`` row (services/job_requests.py), one per (job, target) so repeated asks
coalesce. The leader's ``take_job_requests`` job takes the rows every second, and at once when
the ask was made in the leader itself, and starts the runs they ask for. A request outlives a
restart or a change of leader until some leader takes it; one taken by a leader that then
dies is lost, and that job's own interval does the work instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlmodel import Session

from archive_app.deps import Deps
from archive_app.jobs.leader import Leadership, leader_lock_for
from archive_app.jobs.runs import (
    _busy,
    _locked,
    _locks,
    _poll_running,
    _run_scheduled,
    _running,
    _taker,
    job_names,
)
from archive_app.jobs.tasks import JOBS, POLL_MENTIONS, JobSpec
from archive_app.models.base import parse_id
from archive_app.services import job_requests

log = logging.getLogger(__name__)

LEADER_RETRY_SECONDS = 15.0
# On shutdown, how long the running jobs get to finish their step (compose waits 45 s).
SHUTDOWN_GRACE_SECONDS = 30.0


# The leader's job that takes the job requests and starts the runs they ask for.
TAKE_REQUESTS = "take_job_requests"
TAKE_REQUESTS_SECONDS = 1.0

_scheduler: AsyncIOScheduler | None = None
# The Deps and jobs of each ``run_scheduler`` under way in this process, leader or not:
# requests are written with the last one's.
_registered: list[tuple[Deps, Sequence[JobSpec]]] = []
# Requests (job, target) whose row this process is writing now; a same ask meanwhile joins it.
_asking: set[tuple[str, str]] = set()
_writes: set[asyncio.Task[None]] = set()


def kick(name: str) -> bool:
    """Ask for a run of ``name`` as soon as possible (e.g. drain_outbox right after enqueue).

    Works in every process: the request is a ``job_requests`` row that the leader takes within
    a second (at once when this process is the leader). Cheap and non-blocking: the row is
    written in a thread. False when no scheduler runs in this process (``run_scheduler``) or
    no job has that name. Kicks coalesce: while a request is pending or its run is under way,
    another kick adds nothing (so a burst of kicks is one run, never one run each).
    """
    return request_job(name)


def request_poll(source_id: int) -> bool:
    """Read the mentions of one source that was just connected now, not at the next tick.

    Asked for once, server side, where a connection completes (never from a page load), in any
    process: the leader polls that source only. Asking again while its request is pending or
    its poll is under way adds nothing. False when no scheduler runs in this process.
    """
    return request_job(POLL_MENTIONS, str(source_id))


def request_job(job: str, target: str = job_requests.ALL) -> bool:
    """Ask whichever process leads for a run of ``job`` soon (``target``: e.g. a source id for
    ``poll_mentions``; ``''`` the whole job). The one entry for every request: ``kick`` and
    ``request_poll`` are shorthands. True when recorded or joined to one pending or under
    way; False when no scheduler runs in this process or no job has that name."""
    if not _registered:
        return False
    deps, jobs = _registered[-1]
    if all(spec.name != job for spec in jobs):
        return False
    key = (job, target)
    if key in _asking or _under_way_here(job, target):
        return True  # joins the request being written, or the run under way in the leader
    now = deps.clock.now()

    def write(session: Session) -> None:
        job_requests.request(session, job=job, target=target, now=now)

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # called from a thread: write the row here
        try:
            deps.db.sync(write)
        except Exception:
            log.exception("could not record the job request %s", key)
            return False
        _wake_taker()
        return True
    _asking.add(key)
    task = loop.create_task(_write_request(deps, key, write))
    _writes.add(task)
    task.add_done_callback(_writes.discard)
    return True


def _under_way_here(job: str, target: str) -> bool:
    if _scheduler is None:
        return False
    if job == POLL_MENTIONS and target != job_requests.ALL:
        return parse_id(target) in _poll_running
    return job in _busy or _locked(job)


async def _write_request(
    deps: Deps, key: tuple[str, str], write: Callable[[Session], None]
) -> None:
    try:
        await deps.db(write)
    except Exception:
        log.exception("could not record the job request %s", key)
        return
    finally:
        _asking.discard(key)
    _wake_taker()


def _wake_taker() -> None:
    """In the leader: take the requests now, not at the next second."""
    scheduler = _scheduler
    if scheduler is None:
        return
    try:
        job = scheduler.get_job(TAKE_REQUESTS)
        if job is None:
            return
        lock = _locks.get(TAKE_REQUESTS)
        now = datetime.now(UTC)
        if (lock is not None and lock.locked()) or (
            job.next_run_time is not None and job.next_run_time <= now
        ):
            return  # a take is due now or under way: this request may miss it, not the next
        scheduler.modify_job(TAKE_REQUESTS, next_run_time=now)
    except (JobLookupError, RuntimeError):
        return


def is_leader() -> bool:
    return _scheduler is not None


@asynccontextmanager
async def run_scheduler(
    deps: Deps,
    *,
    jobs: Sequence[JobSpec] = JOBS,
    retry_seconds: float = LEADER_RETRY_SECONDS,
) -> AsyncIterator[Leadership | None]:
    """Run ``jobs`` for the context's lifetime whenever this process is the leader.

    In every process (the scheduler disabled here included) ``kick`` and ``request_poll``
    record requests for ``jobs`` meanwhile, for whichever process leads."""
    registration = (deps, jobs)
    _registered.append(registration)
    try:
        async with _lead_when_elected(deps, jobs, retry_seconds) as leadership:
            yield leadership
    finally:
        _registered.remove(registration)
        if _writes:  # let the requests asked for just now reach the database
            await asyncio.wait(set(_writes), timeout=5)


@asynccontextmanager
async def _lead_when_elected(
    deps: Deps, jobs: Sequence[JobSpec], retry_seconds: float
) -> AsyncIterator[Leadership | None]:
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
    global _scheduler
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
    take = JobSpec(TAKE_REQUESTS, timedelta(seconds=TAKE_REQUESTS_SECONDS), _taker(jobs))
    scheduler.add_job(
        _run_scheduled,
        "interval",
        seconds=TAKE_REQUESTS_SECONDS,
        args=[take, deps],
        id=TAKE_REQUESTS,
        name=TAKE_REQUESTS,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=1,
        next_run_time=datetime.now(UTC),  # requests written while no one led: now
    )
    scheduler.start()
    _scheduler = scheduler
    log.info("scheduler started: %s", ", ".join(job_names(jobs)))


def _stop() -> None:
    global _scheduler
    scheduler, _scheduler = _scheduler, None
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=False)
        log.info("scheduler stopped")
