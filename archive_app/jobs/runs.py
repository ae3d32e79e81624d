"""Job runs in this process: one at a time per job name, logged with a job id, and waited
for at shutdown; and the leader's taker of job requests (``scheduler.request_job``), which
starts the runs the requests ask for. ``scheduler`` starts and stops these; nothing else does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from archive_app import logs
from archive_app.deps import Deps
from archive_app.jobs.tasks import JOBS, POLL_MENTIONS, JobRun, JobSpec, poll_mentions
from archive_app.models.base import parse_id
from archive_app.services import job_requests

log = logging.getLogger(__name__)


class UnknownJobError(KeyError):
    pass


# The one-off run that polls the sources connected just now (``request_poll``).
REQUESTED_POLL = f"{POLL_MENTIONS}_requested"

# Job names started for a request and not finished yet; a request meanwhile joins that run.
_busy: set[str] = set()
_started: set[asyncio.Task[None]] = set()
# Sources whose requested poll is under way (``request_poll``).
_poll_running: set[int] = set()
# Created on first use, inside the running loop.
_locks: dict[str, asyncio.Lock] = {}
# Job runs under way in this process; shutdown waits for them (they are shielded from the
# cancellation APScheduler's shutdown sends, so a thread's work is never abandoned).
_running: set[asyncio.Task[Any]] = set()


async def _run_scheduled(job: JobSpec, deps: Deps) -> None:
    """What APScheduler calls. Errors are logged, never raised: the next run tries again."""
    try:
        await _run_locked(job.name, job.run, deps)
    except Exception:
        log.exception("job %s failed", job.name)


def _taker(jobs: Sequence[JobSpec]) -> JobRun:
    by_name = {job.name: job for job in jobs}

    async def take_requests(deps: Deps) -> dict[str, int]:
        """Take every pending request and start the runs they ask for, without waiting for
        them: one run per job name (a run of that job under way already counts), and one poll
        of the union of the requested sources. Shutting down, it leaves them to the next
        leader."""
        if deps.stopping.is_set():
            return {}
        taken = await deps.db(job_requests.claim_all)
        started, sources = 0, set[int]()
        for name, target in taken:
            job = by_name.get(name)
            if job is None:
                log.warning("dropped a request for %r: no job has that name", name)
            elif name == POLL_MENTIONS and target != job_requests.ALL:
                source_id = parse_id(target)
                if source_id is not None:
                    sources.add(source_id)
            elif name not in _busy and not _locked(name):
                _start_task(name, _run_scheduled(job, deps))
                started += 1
        sources -= _poll_running  # a poll of these is under way: the request joins it
        if sources:
            _poll_running.update(sources)
            _start_task(None, _run_requested_polls(deps, sources))
            started += 1
        return {"requests": len(taken), "started": started}

    return take_requests


def _locked(name: str) -> bool:
    lock = _locks.get(name)
    return lock is not None and lock.locked()


def _start_task(name: str | None, run: Coroutine[Any, Any, None]) -> None:
    task = asyncio.get_running_loop().create_task(run)
    _started.add(task)
    task.add_done_callback(_started.discard)
    if name is not None:
        _busy.add(name)
        task.add_done_callback(lambda _task: _busy.discard(name))


async def _run_requested_polls(deps: Deps, wanted: set[int]) -> None:
    """The sources ``request_poll`` asked for, in one run; they are in ``_poll_running``."""

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
