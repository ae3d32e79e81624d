"""Reconnection reminders for v.1 sources: 30, 14, 7, 3 and 1 days before the deadline.

Days are calendar days (``days_left``), counted as the Sources row counts them: the 30-day
reminder goes out from the start of the day 30 days before the deadline's day and says "in 30
days", and the row says "30 days remaining" all that day.

Who gets them is "Set Up Reminders" (``services/sources/reminders.py``); when, and that each
goes out once, is here. The rules:

- The step due now is the nearest one reached (``current_step``). Steps missed while the app
  was down are not sent one by one: only the nearest, once.
- A step goes out once per (source, deadline, step, address): the ledger table
  ``reminders_sent`` has that unique key, and the outbox row's dedupe key is the same, so a
  second run, a second worker or a restart sends nothing twice.
- A step already sent is done: an address added afterwards gets the next step, not this one.
- Reconnecting sets a new deadline, which starts a new schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session, col, select

from archive_app.clock import utc
from archive_app.integrations.tiktok.kinds import reminder_kinds, spec
from archive_app.mail.messages import reminder_message
from archive_app.models.sources import ReminderRecipient, ReminderSent, Source, SourceStatus
from archive_app.models.workspaces import Workspace
from archive_app.services import outbox
from archive_app.services.sources.disconnection_mail import Links

STEPS = (30, 14, 7, 3, 1)  # days before the deadline
ONE_DAY = timedelta(days=1)


def reminder_key_prefix(source_id: int) -> str:
    """The start of the outbox key of every reminder of one source."""
    return f"reminder:{source_id}:"


def days_left(deadline_at: datetime | None, now: datetime) -> int | None:
    """Calendar days from today to the deadline's day, as people count them ("Reconnect before
    Jun 3": on May 4 that is 30 days). The Sources row and the reminder mail both say this
    number. Days are the workspace's: UTC, as Archive has no per-workspace time zone yet."""
    if deadline_at is None:
        return None
    return max(0, (utc(deadline_at).date() - utc(now).date()).days)


def step_at(deadline_at: datetime, step: int) -> datetime:
    """When the reminder ``step`` days before the deadline is due: the start of the day that
    is ``step`` calendar days before the deadline's day, so it says "in ``step`` days"."""
    day = utc(deadline_at).date() - step * ONE_DAY
    return datetime.combine(day, time.min, tzinfo=UTC)


def current_step(deadline_at: datetime, now: datetime) -> int | None:
    """The nearest step reached and not yet past the deadline (None outside the window)."""
    deadline = utc(deadline_at)
    if now >= deadline:
        return None
    reached = [step for step in STEPS if now >= step_at(deadline, step)]
    return min(reached) if reached else None


@dataclass(frozen=True)
class NextReminder:
    at: datetime  # when it goes out (may be now or past: due at the next run)
    step: int  # days before the deadline


def next_reminder(
    deadline_at: datetime, now: datetime, sent_steps: set[int]
) -> NextReminder | None:
    """The next reminder of this deadline's schedule, given the steps already sent."""
    deadline = utc(deadline_at)
    due = current_step(deadline, now)
    for step in STEPS:
        at = step_at(deadline, step)
        # Skipped when sent, or when missed (folded into the step due now).
        if step not in sent_steps and (at > now or step == due):
            return NextReminder(at=at, step=step)
    return None


def sent_steps(session: Session, sources: list[Source]) -> dict[int, set[int]]:
    """The steps already sent for each source's current deadline."""
    deadlines = {s.id: utc(s.deadline_at) for s in sources if s.id and s.deadline_at}
    found: dict[int, set[int]] = {}
    if not deadlines:
        return found
    rows = session.exec(
        select(ReminderSent.source_id, ReminderSent.deadline_at, ReminderSent.step_days).where(
            col(ReminderSent.source_id).in_(deadlines)
        )
    ).all()
    for source_id, deadline_at, step in rows:
        if utc(deadline_at) == deadlines[source_id]:
            found.setdefault(source_id, set()).add(step)
    return found


def reminder_plan(
    session: Session, sources: list[Source], now: datetime
) -> dict[int, NextReminder]:
    """Next reminder per v.1 source that has addresses and is still connected (Settings)."""
    eligible = [
        s
        for s in sources
        if spec(s.kind).has_reminders
        and s.status in (SourceStatus.active, SourceStatus.degraded)
        and s.deadline_at is not None
        and s.id is not None
    ]
    with_addresses = set(
        session.exec(
            select(ReminderRecipient.source_id).where(
                col(ReminderRecipient.source_id).in_([s.id for s in eligible])
            )
        ).all()
    )
    sent = sent_steps(session, eligible)
    plan: dict[int, NextReminder] = {}
    for s in eligible:
        assert s.id is not None and s.deadline_at is not None
        if s.id in with_addresses:
            found = next_reminder(s.deadline_at, now, sent.get(s.id, set()))
            if found is not None:  # a step due now goes out at the next run: today
                plan[s.id] = NextReminder(at=max(found.at, now), step=found.step)
    return plan


def send_due(session: Session, *, now: datetime, links: Links) -> int:
    """Queue the reminders due now; returns how many mails were queued.

    One unit of work: the ledger rows and the outbox rows commit together or not at all. Two
    runs racing on one step collide on the ledger's unique key; the loser's transaction rolls
    back whole and the job reports it (nothing is sent twice).
    """
    window = now + (STEPS[0] + 1) * ONE_DAY  # a step is due from the start of its day
    sources = session.exec(
        select(Source)
        .where(
            col(Source.kind).in_(reminder_kinds()),
            col(Source.status).in_([SourceStatus.active.value, SourceStatus.degraded.value]),
            col(Source.deadline_at) > now,
            col(Source.deadline_at) <= window,
        )
        .order_by(col(Source.id))
    ).all()
    sent = sent_steps(session, list(sources))
    queued = 0
    for source in sources:
        assert source.id is not None and source.deadline_at is not None
        step = current_step(source.deadline_at, now)
        if step is None or step in sent.get(source.id, set()):
            continue  # nothing due, or this step went out already (to the addresses then)
        queued += _send_step(session, source=source, step=step, now=now, links=links)
    return queued


def _send_step(session: Session, *, source: Source, step: int, now: datetime, links: Links) -> int:
    assert source.id is not None and source.deadline_at is not None
    deadline = utc(source.deadline_at)
    workspace = session.get(Workspace, source.workspace_id)
    addresses = session.exec(
        select(ReminderRecipient.email)
        .where(ReminderRecipient.source_id == source.id)
        .order_by(col(ReminderRecipient.id))
    ).all()
    left = days_left(deadline, now) or 0
    for address in addresses:
        session.add(
            ReminderSent(
                source_id=source.id,
                deadline_at=deadline,
                step_days=step,
                email=address,
                sent_at=now,
            )
        )
        outbox.enqueue(
            session,
            message=reminder_message(
                to=address,
                workspace_name=workspace.name if workspace else "",
                source_handle=source.handle,
                days_left=left,
                deadline_at=deadline,
                reconnect_url=links.reconnect(source.id),
            ),
            dedupe_key=f"{reminder_key_prefix(source.id)}{deadline.isoformat()}:{step}:{address}",
            now=now,
            workspace_id=source.workspace_id,
        )
    session.flush()
    return len(addresses)
