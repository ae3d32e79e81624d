"""The reminder mail and the Sources row count the days to the deadline one way (issue 21, item
8): calendar days, as a person reading "Reconnect before Jun 3" counts them, so the 30-day
reminder says "within 30 days" while the row says "30 days remaining"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from archive_app.integrations.tiktok.kinds import Kind
from archive_app.states.source_views import source_view
from tests.jobs.lifecycle_world import LifecycleWorld, lifecycle_world
from tests.mail.conftest import SmtpServer, smtp_server  # noqa: F401

ADDRESS = "owner@brand.com"


@pytest.fixture
async def world(
    engine: Engine,
    tmp_path: Path,
    smtp_server: SmtpServer,  # noqa: F811
) -> AsyncIterator[LifecycleWorld]:
    async with lifecycle_world(engine, tmp_path, smtp_server) as w:
        w.workspace()
        yield w


def move_to(world: LifecycleWorld, at: datetime) -> None:
    world.advance(advance_seconds=(at - world.clock.now()).total_seconds())


async def test_the_30_day_reminder_and_the_row_say_the_same_days_all_that_day(world):
    # Connected late in the evening (UTC): the deadline is late on its day too, where counting
    # hours and counting days part ways.
    today = world.clock.now().date()
    move_to(world, datetime.combine(today + timedelta(days=1), time(23, 30), tzinfo=UTC))
    source_id = await world.connect(Kind.tiktok_v1, "brandco", reminders=[ADDRESS])
    deadline = world.source(source_id).deadline_at
    assert deadline is not None
    day_30 = deadline.date() - timedelta(days=30)

    move_to(world, datetime.combine(day_30, time(0, 20), tzinfo=UTC))
    row = world.row(source_id)
    assert row.days_remaining == 30
    assert source_view(row).days_text == "30 days remaining"
    assert (await world.job("send_reminders")) == {"queued": 1}, "due from the day's start"
    await world.deliver()
    mail = world.mail(to=ADDRESS, subject="Reconnect @")
    assert [str(m["Subject"]) for m in mail] == ["Reconnect @brandco to Archive within 30 days"]

    move_to(world, datetime.combine(day_30, time(23, 50), tzinfo=UTC))
    assert world.row(source_id).days_remaining == 30, "30 until the day ends"
    move_to(world, datetime.combine(day_30 + timedelta(days=1), time(0, 10), tzinfo=UTC))
    assert world.row(source_id).days_remaining == 29
