"""spark_code_reminders: an approved Spark Ads code's requester is emailed 7 days and 1 day
before it expires, each once, over real SMTP, on the clock the app shares with TikTok."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from archive_app import dates
from archive_app.models.rights import RightsScope, RightsStatus
from archive_app.services.rights.spark_reminders import step_due
from tests import factories
from tests.jobs.lifecycle_world import LifecycleWorld, body_of, lifecycle_world
from tests.mail.conftest import SmtpServer, smtp_server  # noqa: F401

SUBJECT = "The Spark Ads code from @maker expires in"


@pytest.fixture
async def world(
    engine: Engine,
    tmp_path: Path,
    smtp_server: SmtpServer,  # noqa: F811
) -> AsyncIterator[LifecycleWorld]:
    async with lifecycle_world(engine, tmp_path, smtp_server) as w:
        w.workspace()
        yield w


def approved_spark(world: LifecycleWorld, *, days: int = 30, withdrawn: bool = False) -> datetime:
    """An approved Spark request of the owner, as the creator's page leaves it; its expiry."""
    now = world.clock.now()
    with Session(world.engine) as s:
        creator = factories.creator(s, workspace_id=world.workspace_id, now=now, handle="maker")
        video = factories.mention(s, workspace_id=world.workspace_id, creator=creator, now=now)
        request = factories.rights_request(
            s,
            workspace_id=world.workspace_id,
            creator_id=creator.id or 0,
            now=now,
            mention_ids=[video.id or 0],
            status=RightsStatus.approved,
            requested_by_id=world.owner_id,
        )
        request.scope, request.spark_duration_days = RightsScope.spark_code.value, days
        request.responded_at = now
        request.spark_code_enc = world.deps.cipher.encrypt("spark-code-1")
        request.spark_expires_at = now + timedelta(days=days)
        request.withdrawn_at = now if withdrawn else None
        s.add(request)
        s.commit()
        return request.spark_expires_at


def move_to(world: LifecycleWorld, expires_at: datetime, before: timedelta) -> None:
    world.advance(advance_seconds=(expires_at - before - world.clock.now()).total_seconds())


def reminders(world: LifecycleWorld) -> list[str]:
    return [str(m["Subject"]) for m in world.mail(to="owner@brand.com", subject=SUBJECT)]


async def test_the_reminder_7_days_before_expiry_is_sent_once(world: LifecycleWorld) -> None:
    expires_at = approved_spark(world)
    assert await world.job("spark_code_reminders") == {"queued": 0}  # 30 days left

    move_to(world, expires_at, timedelta(days=7))
    first = await world.job("spark_code_reminders")
    second = await world.job("spark_code_reminders")
    await world.restart()
    third = await world.job("spark_code_reminders")
    await world.deliver()
    await world.deliver()

    assert (first, second, third) == ({"queued": 1}, {"queued": 0}, {"queued": 0})
    assert reminders(world) == [f"{SUBJECT} 7 days"]
    [mail] = world.mail(to="owner@brand.com", subject=SUBJECT)
    text = body_of(mail)
    when = expires_at.astimezone(UTC)
    assert f"expires on {dates.day_time(when)}, in 7 days" in text
    assert "/rights?scope=spark_code&q=maker" in text


async def test_then_the_1_day_reminder_once_and_nothing_after_expiry(
    world: LifecycleWorld,
) -> None:
    expires_at = approved_spark(world)
    move_to(world, expires_at, timedelta(days=7) - timedelta(minutes=5))
    await world.job("spark_code_reminders")
    move_to(world, expires_at, timedelta(days=1))
    assert await world.job("spark_code_reminders") == {"queued": 1}
    assert await world.job("spark_code_reminders") == {"queued": 0}
    move_to(world, expires_at, -timedelta(hours=1))
    assert await world.job("spark_code_reminders") == {"queued": 0}
    await world.deliver()

    assert reminders(world) == [f"{SUBJECT} 7 days", f"{SUBJECT} 1 day"]


async def test_a_removed_request_gets_no_reminder(world: LifecycleWorld) -> None:
    expires_at = approved_spark(world, withdrawn=True)
    move_to(world, expires_at, timedelta(days=7))

    assert await world.job("spark_code_reminders") == {"queued": 0}


def test_the_step_due_is_the_nearest_one_and_none_when_expired() -> None:
    at = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
    assert step_due(at, now=at - timedelta(days=8)) is None
    assert step_due(at, now=at - timedelta(days=7)) == 7
    assert step_due(at, now=at - timedelta(hours=12)) == 1  # the 7-day step was missed: 1 only
    assert step_due(at, now=at) is None
