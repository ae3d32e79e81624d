"""Job requests: "run this job soon" as a row, so any process can ask and the leader runs it.

``request`` is what callers use (through ``jobs/scheduler.py``'s ``kick`` and
``request_poll``); ``claim_all`` is the leader's side. A request is keyed on (job, target):
asking again before the leader took it adds nothing, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from archive_app.models.job_requests import JobRequest

# The whole job, not one part of it.
ALL = ""


def request(session: Session, *, job: str, target: str = ALL, now: datetime) -> None:
    """Record that ``job`` (for ``target``) should run soon; a duplicate is ignored."""
    values = {"job": job, "target": target, "requested_at": now}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(postgresql.insert(JobRequest).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(JobRequest).values(values).on_conflict_do_nothing())
    else:  # pragma: no cover - Archive runs on these two only
        raise NotImplementedError(dialect)


def claim_all(session: Session) -> list[tuple[str, str]]:
    """Take every pending request (job, target): deleted and returned in one statement, so two
    claimers never both get one. A cheap look first: an empty table costs no write."""
    if not session.execute(select(exists().select_from(JobRequest))).scalar():
        return []
    rows = session.execute(
        delete(JobRequest).returning(col(JobRequest.job), col(JobRequest.target))
    )
    return sorted((job, target) for job, target in rows)
