"""The job scheduler: APScheduler 3 on the app's event loop, in the leader process only.

Jobs live in a module-level registry (``register_job`` in ``jobs/tasks.py``), each an async
function with a fixed id. The scheduler runs them with ``replace_existing``, ``coalesce`` and
``max_instances=1``; a per-job lock also keeps ``run_job_now`` (``POST /dev/jobs/<name>``) from
overlapping a scheduled run in the same process. Jobs must be safe to run twice anyway: a
second worker's dev route, or a new leader after a crash, may run one again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine

from archive_app.db import get_engine
from archive_app.jobs.leader import Leadership, leader_lock_for
from archive_app.settings import Settings, get_settings

log = logging.getLogger(__name__)

LEADER_RETRY_SECONDS = 15.0

JobFunc = Callable[[], Awaitable[Mapping[str, Any] | None]]


class UnknownJobError(KeyError):
    pass


@dataclass
class _Job:
    name: str
    func: JobFunc
    seconds: int
    # Created on first use, inside the running loop.
    lock: asyncio.Lock | None = field(default=None, repr=False)


_registry: dict[str, _Job] = {}
_scheduler: AsyncIOScheduler | None = None


def register_job(name: str, func: JobFunc, *, seconds: int) -> None:
    """Add (or replace) a periodic job. ``func`` is an async function taking no arguments that
    opens its own session, calls one service, and returns a small JSON-able summary."""
    if seconds <= 0:
        raise ValueError("seconds must be positive")
    _registry[name] = _Job(name=name, func=func, seconds=seconds)


def unregister_job(name: str) -> None:
    _registry.pop(name, None)


def job_names() -> list[str]:
    _load_tasks()
    return sorted(_registry)


async def run_job_now(name: str) -> dict[str, Any]:
    """Run one job in this process and wait for it.

    Raises ``UnknownJobError`` (a ``KeyError``) for a name no job has; a job's own failure is
    reported in the answer (``ok: false``) rather than raised.
    """
    _load_tasks()
    job = _registry.get(name)
    if job is None:
        raise UnknownJobError(name)
    started = datetime.now(UTC)
    answer: dict[str, Any] = {"job": name}
    try:
        result = await _run_locked(job)
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
    other processes the job's own interval picks the work up a few seconds later.
    """
    scheduler = _scheduler
    if scheduler is None:
        return False
    try:
        scheduler.modify_job(name, next_run_time=datetime.now(UTC))
    except (JobLookupError, RuntimeError):
        return False
    return True


def is_leader() -> bool:
    return _scheduler is not None


@asynccontextmanager
async def scheduler_lifespan(app: Any = None) -> AsyncIterator[None]:
    """Lifespan task: run the jobs for the app's lifetime if this process becomes the leader."""
    async with run_scheduler(get_settings(), engine=get_engine()):
        yield


@asynccontextmanager
async def run_scheduler(
    settings: Settings,
    *,
    engine: Engine,
    retry_seconds: float = LEADER_RETRY_SECONDS,
) -> AsyncIterator[Leadership | None]:
    if not settings.scheduler_enabled:
        log.info("scheduler disabled (ARCHIVE_SCHEDULER_ENABLED=false)")
        yield None
        return
    _load_tasks()
    lock = leader_lock_for(
        database_url=settings.database_url, engine=engine, data_dir=settings.data_dir
    )
    leadership = Leadership(lock, on_elected=_start, on_deposed=_stop, retry_seconds=retry_seconds)
    task = asyncio.create_task(leadership.run(), name="archive-scheduler-leadership")
    try:
        yield leadership
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        # AsyncIOScheduler.shutdown completes on the loop: give it that turn.
        await asyncio.sleep(0)


def _start() -> None:
    global _scheduler
    scheduler = AsyncIOScheduler(timezone=UTC)
    for job in _registry.values():
        scheduler.add_job(
            _run_scheduled,
            "interval",
            seconds=job.seconds,
            args=[job.name],
            id=job.name,
            name=job.name,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=job.seconds,
        )
    scheduler.start()
    _scheduler = scheduler
    log.info("scheduler started: %s", ", ".join(sorted(_registry)))


def _stop() -> None:
    global _scheduler
    scheduler, _scheduler = _scheduler, None
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=False)
        log.info("scheduler stopped")


async def _run_scheduled(name: str) -> None:
    """What APScheduler calls. Errors are logged, never raised: the next run tries again."""
    job = _registry.get(name)
    if job is None:
        return
    try:
        result = await _run_locked(job)
    except Exception:
        log.exception("job %s failed", name)
        return
    if result and any(result.values()):
        log.info("job %s: %s", name, dict(result))


async def _run_locked(job: _Job) -> Mapping[str, Any] | None:
    if job.lock is None:
        job.lock = asyncio.Lock()
    async with job.lock:
        return await job.func()


def _load_tasks() -> None:
    """``tasks.py`` registers the jobs and imports this module, so load it lazily."""
    from archive_app.jobs import tasks  # noqa: F401
