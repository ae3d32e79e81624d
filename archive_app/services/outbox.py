"""The outbox: mail is written as a row with the change that causes it, then sent by a job.

Life of a row::

    pending --claim--> sending --ok--> sent
       ^                  |--transient MailError--> pending (next_attempt_at = now + backoff)
       |                  |--permanent MailError, or MAX_ATTEMPTS reached--> failed
       |                  '--still sending after STUCK_AFTER (crash)--> failed ("unknown")
       '--outbox_cancel.cancel_pending--> cancelled

Giving up is bounded and said once: a mail is tried at most ``MAX_ATTEMPTS`` times (backoff
1, 2, 4 ... 60 minutes, about 2 hours in all), or once when the error is permanent (the server
refused the recipient with 5xx, or the address cannot be encoded for SMTP). The row becomes
``failed`` with the reason in ``last_error``, and one warning line says so (no traceback: an
expected failure is not a bug). ``services/admin.failed_count`` is what an admin report shows.

The promise is *at most once*. A row is claimed (pending -> sending, committed) before any
SMTP traffic, and only the drain that won the claim sends it, so two workers, a retry and a
``POST /dev/jobs/drain_outbox`` can never send the same row twice. ``enqueue`` is idempotent
on ``dedupe_key`` through the table's unique constraint, so the same reason never makes two rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from archive_app import events
from archive_app.mail.messages import EmailMessage
from archive_app.mail.sender import MailError, MailSender
from archive_app.models.notifications import OutboxEmail, OutboxStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=1)
# A send takes seconds (SMTP timeout is 20 s); a row claimed longer ago than this was
# abandoned by a process that died mid-send.
STUCK_AFTER = timedelta(minutes=5)
UNKNOWN_AFTER_CRASH = "delivery state unknown after crash"
Stop = Callable[[], bool]
_no: Stop = bool  # bool() is False: never stop


@dataclass(frozen=True)
class DrainResult:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    # Rows found stuck in ``sending`` and marked failed (also counted in ``failed``).
    unknown: int = 0


def enqueue(
    session: Session,
    *,
    message: EmailMessage,
    dedupe_key: str,
    now: datetime,
    workspace_id: int | None = None,
    due_at: datetime | None = None,
) -> OutboxEmail:
    """Add one mail to the outbox, due now (or at ``due_at``); the caller's commit makes it real.

    A second call with the same ``dedupe_key`` (a retried job, a concurrent worker) returns the
    row that exists and adds nothing. ``INSERT ... ON CONFLICT DO NOTHING`` leans on the unique
    constraint, so this holds across processes without a lock.
    """
    values: dict[str, Any] = {
        "workspace_id": workspace_id,
        "to_address": message.to,
        "subject": message.subject,
        "text_body": message.text,
        "html_body": message.html,
        "dedupe_key": dedupe_key,
        "status": OutboxStatus.pending.value,
        "attempts": 0,
        "next_attempt_at": due_at or now,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg_stmt = postgresql.insert(OutboxEmail).values(**values)
        session.execute(pg_stmt.on_conflict_do_nothing(index_elements=["dedupe_key"]))
    elif dialect == "sqlite":
        lite_stmt = sqlite.insert(OutboxEmail).values(**values)
        session.execute(lite_stmt.on_conflict_do_nothing(index_elements=["dedupe_key"]))
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"outbox does not support {dialect}")
    events.record(session, events.MailQueued())
    return session.exec(select(OutboxEmail).where(OutboxEmail.dedupe_key == dedupe_key)).one()


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed try: 1, 2, 4, 8 ... minutes, at most an hour."""
    return min(FIRST_BACKOFF * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def drain(
    engine: Engine, *, sender: MailSender, now: datetime, batch: int = 50, stop: Stop = _no
) -> DrainResult:
    """Send what is due, a row at a time, until ``stop()`` (shutdown: the row being sent
    finishes, the rest stay pending). Blocking (SMTP, SQL): call it from a thread."""
    unknown = _fail_stuck(engine, now=now)
    outcomes: dict[OutboxStatus, int] = dict.fromkeys(OutboxStatus, 0)
    for row_id in _due_ids(engine, now=now, batch=batch):
        if stop():
            break
        row = _claim(engine, row_id=row_id, now=now)
        if row is None:
            continue  # another drain won it, or it was cancelled meanwhile
        outcomes[_attempt(engine, row, sender=sender, now=now)] += 1
    return DrainResult(
        sent=outcomes[OutboxStatus.sent],
        failed=outcomes[OutboxStatus.failed] + unknown,
        retrying=outcomes[OutboxStatus.pending],
        unknown=unknown,
    )


def _attempt(
    engine: Engine, row: OutboxEmail, *, sender: MailSender, now: datetime
) -> OutboxStatus:
    """One try at a claimed row; returns the status it was left in."""
    assert row.id is not None
    message = EmailMessage(
        to=row.to_address, subject=row.subject, text=row.text_body, html=row.html_body
    )
    try:
        try:
            sender.send(message, message_id=_message_id(row))
        except UnicodeError as exc:
            # A sender that did not classify it: an address or header that cannot be
            # encoded will not encode next time either.
            raise MailError(f"cannot encode the message for SMTP: {exc}", permanent=True) from exc
    except MailError as exc:
        if exc.permanent or row.attempts >= MAX_ATTEMPTS:
            _finish(engine, row.id, status=OutboxStatus.failed, error=str(exc))
            _log_give_up(row, exc)
            return OutboxStatus.failed
        retry_at = now + backoff(row.attempts)
        _finish(
            engine, row.id, status=OutboxStatus.pending, error=str(exc), next_attempt_at=retry_at
        )
        # A warning, not info: a wrong SMTP password shows up here long before the first
        # give-up, and the app's log shows warnings by default.
        log.warning(
            "outbox: mail %s to %s failed (attempt %d of %d), will retry at %s: %s",
            row.id,
            row.to_address,
            row.attempts,
            MAX_ATTEMPTS,
            retry_at.isoformat(timespec="seconds"),
            exc,
        )
        return OutboxStatus.pending
    except Exception as exc:
        # A bug in a sender, not an SMTP answer: we cannot know whether it went out, so
        # do not retry (at most once); a person can see the row and its error. The
        # traceback is wanted here: this one is a bug to fix.
        log.exception("outbox: gave up on mail %s after an unexpected error", row.id)
        _finish(engine, row.id, status=OutboxStatus.failed, error=f"unexpected: {exc!r}")
        return OutboxStatus.failed
    _finish(engine, row.id, status=OutboxStatus.sent, sent_at=now)
    return OutboxStatus.sent


def _log_give_up(row: OutboxEmail, exc: MailError) -> None:
    why = "permanent error" if exc.permanent else f"{row.attempts} attempts"
    log.warning(
        "outbox: gave up on mail %s to %s (%s), marked failed: %s", row.id, row.to_address, why, exc
    )


def _fail_stuck(engine: Engine, *, now: datetime) -> int:
    """Rows left in ``sending`` by a process that died between claim and result.

    The SMTP server may or may not have taken the mail before the crash. Sending again risks
    a second "[ACTION REQUIRED]" alarm for one event, which teaches people to ignore them; at
    most once is the better failure. The row becomes ``failed`` with a reason a person can read
    (and the disconnection is still visible in the app itself).
    """
    with Session(engine) as session:
        result = session.execute(
            update(OutboxEmail)
            .where(
                col(OutboxEmail.status) == OutboxStatus.sending.value,
                col(OutboxEmail.claimed_at) < now - STUCK_AFTER,
            )
            .values(status=OutboxStatus.failed.value, last_error=UNKNOWN_AFTER_CRASH)
            .execution_options(synchronize_session=False)
        )
        session.commit()
    count = int(getattr(result, "rowcount", 0) or 0)
    if count:
        log.error(
            "outbox: %d mail(s) stuck in sending marked failed (%s)", count, UNKNOWN_AFTER_CRASH
        )
    return count


def _due_ids(engine: Engine, *, now: datetime, batch: int) -> list[int]:
    with Session(engine) as session:
        ids = session.exec(
            select(OutboxEmail.id)
            .where(
                col(OutboxEmail.status) == OutboxStatus.pending.value,
                col(OutboxEmail.next_attempt_at) <= now,
            )
            .order_by(col(OutboxEmail.next_attempt_at), col(OutboxEmail.id))
            .limit(batch)
        ).all()
    return [i for i in ids if i is not None]


def _claim(engine: Engine, *, row_id: int, now: datetime) -> OutboxEmail | None:
    """pending -> sending, committed before any SMTP traffic. The conditional UPDATE is atomic,
    so exactly one concurrent drain sees rowcount 1."""
    with Session(engine, expire_on_commit=False) as session:
        result = session.execute(
            update(OutboxEmail)
            .where(
                col(OutboxEmail.id) == row_id,
                col(OutboxEmail.status) == OutboxStatus.pending.value,
            )
            .values(
                status=OutboxStatus.sending.value,
                claimed_at=now,
                attempts=OutboxEmail.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
            session.rollback()
            return None
        session.commit()
        return session.get(OutboxEmail, row_id)


def _finish(
    engine: Engine,
    row_id: int,
    *,
    status: OutboxStatus,
    error: str | None = None,
    next_attempt_at: datetime | None = None,
    sent_at: datetime | None = None,
) -> None:
    values: dict[str, Any] = {"status": status.value, "last_error": error}
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    if sent_at is not None:
        values["sent_at"] = sent_at
    current = col(OutboxEmail.status) == OutboxStatus.sending.value
    if status == OutboxStatus.sent:
        # A very slow send may have been declared stuck meanwhile; "sent" is the truth.
        current = current | (
            (col(OutboxEmail.status) == OutboxStatus.failed.value)
            & (col(OutboxEmail.last_error) == UNKNOWN_AFTER_CRASH)
        )
    with Session(engine) as session:
        session.execute(
            update(OutboxEmail)
            .where(col(OutboxEmail.id) == row_id, current)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        session.commit()


def _message_id(row: OutboxEmail) -> str:
    """Stable for the row across retries; unique across databases (created_at is in it)."""
    return f"outbox:{row.id}:{row.dedupe_key}:{row.created_at.isoformat()}"
