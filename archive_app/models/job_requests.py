"""Job requests: "run this job soon", written by any process, consumed by the leader."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from archive_app.models.base import at_field


class JobRequest(SQLModel, table=True):
    """One pending request for a run of ``job`` (a name of ``jobs/tasks.py``'s ``JOBS``).

    ``target`` narrows the run: ``''`` for the whole job, or e.g. a source id (as text) for
    ``poll_mentions`` of that one source. The key is (job, target), so asking again before the
    leader has taken the request adds nothing (services/job_requests.py). The leader deletes
    the rows it takes, so the table holds only what is still to be done.
    """

    __tablename__ = "job_requests"

    job: str = Field(max_length=64, primary_key=True)
    target: str = Field(default="", max_length=64, primary_key=True)
    requested_at: datetime = at_field()
