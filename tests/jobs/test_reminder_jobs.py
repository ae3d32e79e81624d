"""send_reminders: v.1 reconnection reminders over real SMTP, on the clock the app shares with
TikTok. The schedule's pure rules are at the bottom."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from archive_app import dates
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.models.sources import ReminderSent
from archive_app.services.sources import reminder_schedule
from archive_app.services.sources import status as source_service
from tests.jobs.lifecycle_world import LifecycleWorld, body_of, lifecycle_world
from tests.mail.conftest import SmtpServer, smtp_server  # noqa: F401

ADDRESSES = ["owner@brand.com", "social@agency.example"]


@pytest.fixture
async def world(
    engine: Engine,
    tmp_path: Path,
    smtp_server: SmtpServer,  # noqa: F811
) -> AsyncIterator[LifecycleWorld]:
    async with lifecycle_world(engine, tmp_path, smtp_server) as w:
        w.workspace()
        yield w


def reminders_to(world: LifecycleWorld, address: str) -> list[str]:
    return [str(m["Subject"]) for m in world.mail(to=address, subject="Reconnect @")]


def move_to(world: LifecycleWorld, source_id: int, before_deadline: timedelta) -> None:
    """Move the shared clock to ``before_deadline`` ahead of the source's deadline."""
    deadline = world.source(source_id).deadline_at
    assert deadline is not None
    world.advance(advance_seconds=(deadline - before_deadline - world.clock.now()).total_seconds())


def ledger(world: LifecycleWorld) -> list[tuple[int, str]]:
    with Session(world.engine) as s:
        rows = s.exec(select(ReminderSent).order_by("id")).all()
        return [(r.step_days, r.email) for r in rows]


async def test_every_step_goes_out_once_across_two_runs_and_a_restart(world):
    source_id = await world.connect(Kind.tiktok_v1, "brandco", reminders=ADDRESSES)
    assert (await world.job("send_reminders")) == {"queued": 0}  # 180 days left: nothing due
    for step in (30, 14, 7, 3, 1):
        move_to(world, source_id, timedelta(days=step) - timedelta(minutes=1))
        first = await world.job("send_reminders")
        second = await world.job("send_reminders")
        await world.restart()
        third = await world.job("send_reminders")
        assert (first, second, third) == ({"queued": 2}, {"queued": 0}, {"queued": 0})
        await world.deliver()
        await world.deliver()
    expected = [
        f"Reconnect @brandco to Archive within {n} day{'s' if n > 1 else ''}"
        for n in (30, 14, 7, 3, 1)
    ]
    for address in ADDRESSES:
        assert reminders_to(world, address) == expected
    assert len(world.smtp.envelopes) == 10


async def test_a_reminder_names_the_account_days_left_the_date_and_links_to_reconnect(world):
    source_id = await world.connect(Kind.tiktok_v1, "brandco", reminders=ADDRESSES[:1])
    deadline = world.source(source_id).deadline_at
    move_to(world, source_id, timedelta(days=14) - timedelta(hours=1))
    await world.job("send_reminders")
    await world.deliver()
    [mail] = world.mail(to=ADDRESSES[0])
    assert mail["Subject"] == "Reconnect @brandco to Archive within 14 days"
    body = body_of(mail)
    assert "@brandco" in body and "in 14 days" in body
    assert dates.day_time(deadline) in body  # "Jun 4, 2027 at 03:11 UTC", as pages write it
    reconnect = f"{world.settings.public_url}/settings/sources?reconnect={source_id}"
    assert f'href="{reconnect}"' in body and ">Reconnect</a>" in body


async def test_steps_missed_while_the_app_was_down_collapse_into_one_mail(world):
    source_id = await world.connect(Kind.tiktok_v1, "brandco", reminders=ADDRESSES[:1])
    move_to(world, source_id, timedelta(days=5))  # 30, 14 and 7 passed unseen
    assert (await world.job("send_reminders")) == {"queued": 1}
    await world.deliver()
    assert reminders_to(world, ADDRESSES[0]) == ["Reconnect @brandco to Archive within 5 days"]
    assert ledger(world) == [(7, ADDRESSES[0])]
    move_to(world, source_id, timedelta(days=3))
    await world.job("send_reminders")
    await world.deliver()
    assert reminders_to(world, ADDRESSES[0])[1:] == ["Reconnect @brandco to Archive within 3 days"]


async def test_reconnecting_sets_a_new_deadline_and_starts_the_schedule_again(world):
    source_id = await world.connect(Kind.tiktok_v1, "brandco", reminders=ADDRESSES[:1])
    move_to(world, source_id, timedelta(days=29))
    await world.job("send_reminders")
    old_deadline = world.source(source_id).deadline_at
    assert await world.connect(Kind.tiktok_v1, "brandco", reminders=ADDRESSES[:1]) == source_id
    assert world.source(source_id).deadline_at > old_deadline
    assert (await world.job("send_reminders")) == {"queued": 0}
    row = world.row(source_id)
    assert (row.next_reminder_step, row.days_remaining) == (30, 180)
    move_to(world, source_id, timedelta(days=29))
    assert (await world.job("send_reminders")) == {"queued": 1}
    await world.deliver()
    assert reminders_to(world, ADDRESSES[0]) == [
        "Reconnect @brandco to Archive within 29 days",
        "Reconnect @brandco to Archive within 29 days",
    ]
    with Session(world.engine) as s:
        deadlines = {r.deadline_at for r in s.exec(select(ReminderSent)).all()}
    assert len(deadlines) == 2


async def test_an_address_added_after_a_step_gets_the_next_step_not_that_one(world):
    source_id = await world.connect(Kind.tiktok_v1, "brandco", reminders=ADDRESSES[:1])
    move_to(world, source_id, timedelta(days=20))
    await world.job("send_reminders")
    await world.deliver()  # the 20-day step went out before the list changed
    with Session(world.engine) as s:
        source_service.update_reminders(
            s,
            workspace_id=world.workspace_id,
            user_id=world.owner_id,
            source_id=source_id,
            emails=["new@brand.com"],
        )
        s.commit()
    assert (await world.job("send_reminders")) == {"queued": 0}
    move_to(world, source_id, timedelta(days=13))
    await world.job("send_reminders")
    await world.deliver()
    assert reminders_to(world, ADDRESSES[0]) == ["Reconnect @brandco to Archive within 20 days"]
    assert reminders_to(world, "new@brand.com") == ["Reconnect @brandco to Archive within 13 days"]


async def test_an_address_removed_while_its_reminder_waits_to_be_sent_gets_nothing(world):
    source_id = await world.connect(Kind.tiktok_v1, "brandco", reminders=ADDRESSES[:2])
    move_to(world, source_id, timedelta(days=20))
    await world.job("send_reminders")  # queued for both, not sent yet
    with Session(world.engine) as s:
        source_service.update_reminders(
            s,
            workspace_id=world.workspace_id,
            user_id=world.owner_id,
            source_id=source_id,
            emails=[ADDRESSES[1]],
        )
        s.commit()
    await world.deliver()
    assert reminders_to(world, ADDRESSES[0]) == []
    assert reminders_to(world, ADDRESSES[1]) == ["Reconnect @brandco to Archive within 20 days"]


async def test_settings_show_the_next_reminder_date_and_step(world):
    source_id = await world.connect(Kind.tiktok_v1, "brandco", reminders=ADDRESSES[:1])
    deadline = world.source(source_id).deadline_at
    row = world.row(source_id)
    first = reminder_schedule.step_at(deadline, 30)  # the start of the day 30 days before
    assert (row.next_reminder_at, row.next_reminder_step) == (first, 30)
    move_to(world, source_id, timedelta(days=25))
    await world.job("send_reminders")
    row = world.row(source_id)
    then = reminder_schedule.step_at(deadline, 14)
    assert (row.next_reminder_at, row.next_reminder_step) == (then, 14)
    v2 = await world.connect(Kind.tiktok_v2, "brandtwo")
    assert world.row(v2).next_reminder_at is None  # reminders are a v.1 feature


async def test_no_reminder_goes_to_a_disconnected_source(world):
    source_id = await world.connect(Kind.tiktok_v1, "brandco", reminders=ADDRESSES[:1])
    world.sim("/accounts/brandco/invalidate_refresh")
    move_to(world, source_id, timedelta(days=10))
    await world.job("refresh_tokens")
    assert world.row(source_id).status == "disconnected"
    assert (await world.job("send_reminders")) == {"queued": 0}
    assert world.row(source_id).next_reminder_at is None


# --- the schedule's rules --------------------------------------------------------------------

DEADLINE = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("left", "step"),
    [
        (timedelta(days=31), None),
        (timedelta(days=30), 30),
        (timedelta(days=15), 30),
        (timedelta(days=14), 14),
        (timedelta(days=6, hours=23), 7),
        (timedelta(hours=23), 1),
        (timedelta(0), None),
        (-timedelta(days=1), None),
    ],
)
def test_the_step_due_is_the_nearest_one_reached(left, step):
    assert reminder_schedule.current_step(DEADLINE, DEADLINE - left) == step


def test_the_next_reminder_skips_sent_and_missed_steps():
    now = DEADLINE - timedelta(days=10)  # 30 and 14 reached; 14 is due
    nxt = reminder_schedule.next_reminder
    assert nxt(DEADLINE, now, set()) == reminder_schedule.NextReminder(
        datetime(2027, 5, 18, tzinfo=UTC), 14
    )
    assert nxt(DEADLINE, now, {14}).step == 7
    assert nxt(DEADLINE, DEADLINE - timedelta(hours=2), {1}) is None
