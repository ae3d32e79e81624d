"""One ``[ACTION REQUIRED]`` mail per member per outage, in the words of each source's kind.

Real parts: the simulator on a port, the outbox drained by the ``drain_outbox`` job, and a real
SMTP server receiving. Each webhook of a revocation is its own unit of work, as in the app.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from archive_app.integrations.tiktok.kinds import Kind, spec
from archive_app.mail.messages import DISCONNECTION_SUBJECT
from archive_app.models.notifications import OutboxEmail
from archive_app.services.sources import health
from archive_app.services.sources.disconnection_mail import OUTAGE, Links, consequences
from tests.jobs.lifecycle_world import LifecycleWorld, body_of, lifecycle_world
from tests.mail.conftest import SmtpServer, smtp_server  # noqa: F401

LINKS = Links(base_url="https://archive.test", help_url="https://help.archive.test/tiktok")
REVOKED = "Access was revoked in the TikTok app"
MEMBERS = ("member@brand.com", "owner@brand.com")


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


def removal_webhook(world: LifecycleWorld, source_id: int, kind: Kind) -> None:
    """TikTok's ``authorization.removed`` for one app (kind), handled in its own transaction."""
    open_id = world.source(source_id).open_id
    with Session(world.engine) as s:
        health.grant_removed(
            s, open_id=open_id, kind=kind, reason=REVOKED, now=world.clock.now(), links=LINKS
        )
        s.commit()


def alerts(world: LifecycleWorld, to: str) -> list[str]:
    """The disconnection mails to ``to``: each one's text part, then its HTML part."""
    return [body_of(m) for m in world.mail(to=to, subject=DISCONNECTION_SUBJECT)]


def text_part(body: str) -> str:
    return body.split("<!DOCTYPE")[0]


async def test_one_account_revoked_as_v1_and_v2_makes_one_mail_per_member_listing_both(world):
    v1 = await world.connect(Kind.tiktok_v1, "brandco", reminders=["owner@brand.com"])
    v2 = await world.connect(Kind.tiktok_v2, "brandco")
    removal_webhook(world, v1, Kind.tiktok_v1)  # TikTok tells each app on its own
    removal_webhook(world, v2, Kind.tiktok_v2)
    await world.deliver_alerts()
    await world.deliver_alerts()  # a later drain sends nothing more
    for address in MEMBERS:
        [body] = alerts(world, address)
        text = text_part(body)
        assert "2 TikTok connections of Brand on Archive ended" in text
        assert text.count(f"Reason: {REVOKED}") == 2
        v1_part, v2_part = text.split("@brandco (TikTok Account v.2)")
        assert "@brandco (TikTok Account v.1)" in v1_part
        assert f"Reconnect: {LINKS.base_url}/settings/sources?reconnect={v1}" in v1_part
        assert f"Reconnect: {LINKS.base_url}/settings/sources?reconnect={v2}" in v2_part
        assert "as DMs from it" in v1_part and "180-day" in v1_part
        assert "DM" not in v2_part and "message" not in v2_part.lower()
        assert "mention or tag your brand" in v2_part and "360-day" in v2_part
        assert len(re.findall(r">Reconnect</a>", body)) == 2  # a button for each
    [mail] = world.mail(to="owner@brand.com")
    assert mail["Subject"] == DISCONNECTION_SUBJECT


async def test_a_source_ending_after_its_outage_mail_went_gets_a_mail_of_its_own(world):
    first = await world.connect(Kind.tiktok_v2, "brandco")
    second = await world.connect(Kind.tiktok_v1, "otherbrand", reminders=[])
    removal_webhook(world, first, Kind.tiktok_v2)
    await world.deliver_alerts()
    world.advance(advance_seconds=OUTAGE.total_seconds() + 1)
    removal_webhook(world, second, Kind.tiktok_v1)
    await world.deliver_alerts()
    bodies = alerts(world, "owner@brand.com")
    assert len(bodies) == 2
    assert "@brandco (TikTok Account v.2) is no longer connected" in bodies[0]
    assert "@otherbrand" not in bodies[0]
    assert "@otherbrand (TikTok Account v.1) is no longer connected" in bodies[1]
    assert "@brandco" not in bodies[1]


async def test_a_source_reconnected_within_the_hold_gets_no_disconnection_mail(world):
    source_id = await world.connect(Kind.tiktok_v2, "brandco")
    removal_webhook(world, source_id, Kind.tiktok_v2)
    await world.reconnect_v2(source_id, "brandco")  # fixed before the mail's hold is over
    assert world.source(source_id).status == "active"
    await world.deliver_alerts()
    for address in MEMBERS:
        assert alerts(world, address) == []
    with Session(world.engine) as s:
        reasons = {m.status: m.last_error for m in s.exec(select(OutboxEmail)).all()}
    assert reasons == {"cancelled": "@brandco was reconnected before the mail went out"}


async def test_a_mail_of_two_ended_sources_lists_only_the_one_not_reconnected_in_its_hold(world):
    fixed = await world.connect(Kind.tiktok_v2, "brandco")
    broken = await world.connect(Kind.tiktok_v2, "otherbrand")
    removal_webhook(world, fixed, Kind.tiktok_v2)
    removal_webhook(world, broken, Kind.tiktok_v2)
    await world.reconnect_v2(fixed, "brandco")
    await world.deliver_alerts()
    for address in MEMBERS:
        [body] = alerts(world, address)
        assert "@otherbrand (TikTok Account v.2) is no longer connected" in body
        assert f"reconnect={broken}" in body
        assert "@brandco" not in body and f"reconnect={fixed}" not in body


async def test_a_reconnect_after_the_outage_mail_went_changes_nothing_sent(world):
    source_id = await world.connect(Kind.tiktok_v2, "brandco")
    removal_webhook(world, source_id, Kind.tiktok_v2)
    await world.deliver_alerts()
    await world.reconnect_v2(source_id, "brandco")
    await world.deliver_alerts()
    [body] = alerts(world, "owner@brand.com")
    assert "@brandco (TikTok Account v.2) is no longer connected" in body


async def test_a_replayed_removal_webhook_adds_nothing_to_the_mail(world):
    source_id = await world.connect(Kind.tiktok_v2, "brandco")
    removal_webhook(world, source_id, Kind.tiktok_v2)
    removal_webhook(world, source_id, Kind.tiktok_v2)  # at-least-once delivery
    await world.deliver_alerts()
    [body] = alerts(world, "member@brand.com")
    assert text_part(body).count(f"Reason: {REVOKED}") == 1


def test_what_a_disconnection_stops_is_read_from_the_kinds_table():
    v1, v2 = consequences(spec(Kind.tiktok_v1)), consequences(spec(Kind.tiktok_v2))
    assert v1 == (
        "Until you reconnect it, Archive cannot find new videos that mention your brand "
        "through it or send usage-rights requests as DMs from it (new requests wait in the queue).",
        "Reconnecting starts a new 180-day connection.",
    )
    assert v2 == (
        "Until you reconnect it, Archive cannot find new videos that mention or tag your "
        "brand through it.",
        "Reconnecting starts a new 360-day connection.",
    )
