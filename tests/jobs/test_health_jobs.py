"""check_sources and refresh_tokens against the simulator, with real SMTP and the shared clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from archive_app import dates
from archive_app.integrations.tiktok.errors import REFRESH_REFUSED
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.mail.messages import DISCONNECTION_SUBJECT
from archive_app.services import team
from archive_app.services.actor import Actor
from archive_app.services.sources import health
from archive_app.services.sources import refresh as token_refresh
from archive_app.services.sources.disconnection_mail import Links
from tests.jobs.lifecycle_world import LifecycleWorld, body_of, lifecycle_world
from tests.mail.conftest import SmtpServer, smtp_server  # noqa: F401

PROFILE_V2 = "/business/get/"
TOKEN_V1 = "/v2/oauth/token/"
MEMBERS = ("member@brand.com", "owner@brand.com")
LINKS = Links(base_url="https://archive.test", help_url="https://help.archive.test/tiktok")


@pytest.fixture
async def world(
    engine: Engine,
    tmp_path: Path,
    smtp_server: SmtpServer,  # noqa: F811
) -> AsyncIterator[LifecycleWorld]:
    async with lifecycle_world(engine, tmp_path, smtp_server) as w:
        w.workspace()
        w.add_member("member@brand.com")
        yield w


def alert_recipients(world: LifecycleWorld) -> list[str]:
    return sorted(
        to
        for env in world.smtp.envelopes
        for to in env.rcpt_tos
        if DISCONNECTION_SUBJECT in env.content.decode()
    )


async def test_a_5xx_makes_the_source_amber_with_no_mail_then_an_answer_clears_it(world):
    source_id = await world.connect(Kind.tiktok_v2, "brandco")
    world.fail_next(PROFILE_V2, "server_error")
    failed_at = world.clock.now()
    assert (await world.job("check_sources"))["no_answer"] == 1
    row = world.row(source_id)
    assert (row.status, row.badge, row.status_label) == ("degraded", "amber", "Active")
    assert row.reason == f"TikTok did not answer at {failed_at:%H:%M} UTC; retrying"
    assert row.alert_event_id is None
    await world.deliver_alerts()
    assert world.smtp.envelopes == []

    assert (await world.job("check_sources"))["answered"] == 1
    row = world.row(source_id)
    assert (row.status, row.badge, row.reason) == ("active", "green", "")
    assert row.last_checked_at is not None and row.last_checked_at >= failed_at
    await world.deliver_alerts()
    assert world.smtp.envelopes == []


async def test_two_failures_in_a_row_less_than_30_minutes_apart_stay_amber(world):
    source_id = await world.connect(Kind.tiktok_v2, "brandco")
    world.fail_next(PROFILE_V2, "server_error")
    await world.job("check_sources")
    world.advance(advance_seconds=29 * 60)
    world.fail_next(PROFILE_V2, "rate_limit")
    await world.job("check_sources")
    assert world.row(source_id).status == "degraded"
    await world.deliver_alerts()
    assert world.smtp.envelopes == []


async def test_two_failures_in_a_row_30_minutes_apart_disconnect_with_one_episode(world):
    source_id = await world.connect(Kind.tiktok_v2, "brandco")
    world.fail_next(PROFILE_V2, "server_error")
    first = world.clock.now()
    await world.job("check_sources")
    world.advance(advance_seconds=31 * 60)
    world.fail_next(PROFILE_V2, "rate_limit")  # a 429 counts the same as a 5xx
    await world.job("check_sources")
    row = world.row(source_id)
    assert (row.status, row.badge, row.status_label) == ("disconnected", "red", "Disconnected")
    assert row.reason == f"TikTok has not answered since {dates.day_time(first)}"
    assert row.alert_event_id is not None
    await world.job("check_sources")  # a later run, TikTok answering again: nothing new
    await world.deliver_alerts()
    await world.deliver_alerts()
    assert alert_recipients(world) == list(MEMBERS)
    [mail] = world.mail(to="member@brand.com")
    assert mail["Subject"] == DISCONNECTION_SUBJECT
    assert "TikTok has not answered since" in body_of(mail)
    assert f"/settings/sources?reconnect={source_id}" in body_of(mail)
    assert world.source(source_id).access_token_enc is not None  # not wiped: TikTok was silent


async def test_an_invalid_refresh_token_disconnects_at_the_next_refresh(world):
    source_id = await world.connect(Kind.tiktok_v1, "brandco", reminders=["owner@brand.com"])
    world.sim("/accounts/brandco/invalidate_refresh")  # no webhook: only the refresh tells
    world.advance(advance_seconds=2 * 3600)  # the 2-hour access token is due
    assert (await world.job("refresh_tokens"))["refused"] == 1
    row = world.row(source_id)
    assert (row.status, row.badge, row.reason) == ("disconnected", "red", REFRESH_REFUSED)
    source = world.source(source_id)
    assert source.access_token_enc is None and source.refresh_token_enc is None
    await world.deliver_alerts()
    assert alert_recipients(world) == list(MEMBERS)


async def test_a_refresh_stores_the_rotated_tokens_and_a_failed_one_keeps_the_old(world):
    source_id = await world.connect(Kind.tiktok_v1, "brandco", reminders=["owner@brand.com"])
    before = world.source(source_id)
    world.advance(advance_seconds=2 * 3600 - 600)  # 10 minutes before the access token ends
    world.fail_next(TOKEN_V1, "server_error")
    assert (await world.job("refresh_tokens"))["no_answer"] == 1
    kept = world.source(source_id)
    assert (kept.access_token_enc, kept.refresh_token_enc) == (
        before.access_token_enc,
        before.refresh_token_enc,
    )
    assert kept.status == "degraded"

    assert (await world.job("refresh_tokens"))["refreshed"] == 1
    after = world.source(source_id)
    cipher = world.deps.cipher
    assert cipher.decrypt(after.refresh_token_enc) != cipher.decrypt(before.refresh_token_enc)
    [grant] = [g for g in world.control.get("/state").json()["grants"]]
    assert grant["refresh_token"] == cipher.decrypt(after.refresh_token_enc)
    assert grant["access_token"] == cipher.decrypt(after.access_token_enc)
    assert after.access_expires_at > before.access_expires_at
    assert after.deadline_at == before.deadline_at  # TikTok's 180 days end at the same time
    assert (after.status, after.refresh_claimed_at) == ("active", None)
    assert (await world.job("refresh_tokens"))["refreshed"] == 0  # not due again yet


async def test_crossing_the_deadline_expires_the_source_with_one_episode(world):
    source_id = await world.connect(Kind.tiktok_v1, "brandco", reminders=["owner@brand.com"])
    world.advance(advance_days=180, advance_seconds=60)
    assert (await world.job("check_sources"))["expired"] == 1
    row = world.row(source_id)
    # The spec's red Disconnected; that the 180 days ran out is in the status and the reason.
    assert (row.status, row.badge, row.status_label) == ("expired", "red", "Disconnected")
    assert row.reason == "The 180-day connection ended"
    assert row.days_remaining is None and row.alert_event_id is not None
    assert (await world.job("refresh_tokens"))["refreshed"] == 0
    assert (await world.job("check_sources"))["expired"] == 0
    await world.deliver_alerts()
    await world.deliver_alerts()
    assert alert_recipients(world) == list(MEMBERS)
    [mail] = world.mail(to="owner@brand.com", subject=DISCONNECTION_SUBJECT)
    assert "The 180-day connection ended" in body_of(mail)


async def test_a_member_removed_before_a_check_disconnects_gets_nothing(world):
    source_id = await world.connect(Kind.tiktok_v2, "brandco")
    removed_id = world.add_member("gone@brand.com")
    with Session(world.engine) as s:
        team.remove_member(
            s,
            actor=Actor(workspace_id=world.workspace_id, user_id=world.owner_id),
            member_user_id=removed_id,
        )
        s.commit()
    world.fail_next(PROFILE_V2, "server_error")
    await world.job("check_sources")
    world.advance(advance_seconds=30 * 60)
    world.fail_next(PROFILE_V2, "server_error")
    await world.job("check_sources")
    assert world.row(source_id).status == "disconnected"
    await world.deliver_alerts()
    assert alert_recipients(world) == list(MEMBERS)
    assert world.mail(to="gone@brand.com") == []


async def test_days_remaining_follow_the_clock_and_the_badge_turns_amber_at_14_days(world):
    source_id = await world.connect(Kind.tiktok_v2, "brandco")
    row = world.row(source_id)
    assert (row.days_remaining, row.badge, row.reason) == (360, "green", "")
    world.advance(advance_days=100)
    assert (world.row(source_id).days_remaining, world.row(source_id).badge) == (260, "green")
    world.advance(advance_days=245)  # 15 days left
    assert (world.row(source_id).days_remaining, world.row(source_id).badge) == (15, "green")
    world.advance(advance_days=1)
    row = world.row(source_id)
    assert (row.days_remaining, row.badge, row.status_label) == (14, "amber", "Active")
    deadline = world.source(source_id).deadline_at
    assert row.reason == f"Reconnect before {dates.day(deadline)} to keep it connected"


async def test_a_removal_webhook_after_expiry_starts_no_second_episode(world):
    source_id = await world.connect(Kind.tiktok_v1, "brandco", reminders=["owner@brand.com"])
    world.advance(advance_days=181)
    await world.job("check_sources")
    with Session(world.engine) as s:
        changed = health.grant_removed(
            s,
            open_id=world.source(source_id).open_id,
            reason="Access was revoked in the TikTok app",
            now=world.clock.now(),
            links=LINKS,
        )
        s.commit()
    assert changed == []
    assert world.row(source_id).status == "expired"
    await world.deliver_alerts()
    assert alert_recipients(world) == list(MEMBERS)


async def test_a_run_that_listed_a_source_before_another_refreshed_it_does_not_refresh_it(world):
    """The interleaving behind a flaky run of the test below: run B lists the source as due,
    run A claims, refreshes and releases it, then B claims. B must find it no longer due."""
    source_id = await world.connect(Kind.tiktok_v1, "brandco", reminders=["owner@brand.com"])
    world.advance(advance_seconds=2 * 3600)
    deps, now = world.deps, world.clock.now()
    listed_by_b = await deps.db(lambda s: token_refresh.due_for_refresh(s, now=now))
    assert [d.source_id for d in listed_by_b] == [source_id]
    a = await token_refresh.refresh_due(
        deps.db, deps.gateway, cipher=deps.cipher, now=now, links=LINKS
    )
    assert a.refreshed == 1
    claimed_by_b = await deps.db(
        lambda s: token_refresh.claim(s, source_id=source_id, cipher=deps.cipher, now=now)
    )
    assert claimed_by_b is None


async def test_two_refresh_runs_at_once_spend_the_refresh_token_once(world):
    """TikTok's rotation is strict: a refresh token spent twice is refused the second time,
    which would disconnect a healthy source. The claim lets only one run spend it."""
    source_id = await world.connect(Kind.tiktok_v1, "brandco", reminders=["owner@brand.com"])
    world.advance(advance_seconds=2 * 3600)
    deps, now = world.deps, world.clock.now()
    runs = [
        token_refresh.refresh_due(deps.db, deps.gateway, cipher=deps.cipher, now=now, links=LINKS)
        for _ in range(2)
    ]
    first, second = await asyncio.gather(*runs)
    assert sorted([first.refreshed, second.refreshed]) == [0, 1]
    assert sorted([first.skipped, second.skipped]) == [0, 1]
    assert first.refused == second.refused == 0
    assert world.row(source_id).status == "active"
