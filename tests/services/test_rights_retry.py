"""Queued requests are retried when their reason goes away, and no DM is ever sent twice, even
when the process dies between TikTok's "sent" and saving it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from archive_app.integrations.tiktok.errors import TransientError
from archive_app.models.mentions import CreatorFriendship
from archive_app.models.rights import RightsRequest
from archive_app.models.sources import Source, SourceStatus
from archive_app.services.errors import InvalidInput, NotFound
from archive_app.services.rights import requests as rights
from archive_app.services.rights import retry as rights_retry
from archive_app.services.rights.send import LEASE
from tests import factories
from tests.services.rights_world import RightsWorld
from tests.services.test_rights import submit


class Crash(BaseException):
    """The process dies: not an error any code of ours catches."""


@pytest.fixture
def world(engine: Engine, now: datetime) -> RightsWorld:
    return RightsWorld(engine, now)


async def retry(world: RightsWorld, at: datetime) -> rights_retry.RetryResult:
    return await rights_retry.retry_queued(
        world.db,
        now=at,
        gateway=world.relay,  # type: ignore[arg-type]
        cipher=world.cipher,
        links=factories.LINKS,
    )


async def test_a_friends_only_creator_is_retried_after_the_backoff_and_sent_once(
    world: RightsWorld,
) -> None:
    ws, user = world.workspace()
    source = world.source(ws, "brand")
    mention = world.mention(ws, world.creator(ws, "maker", dm_setting="friends"))
    world.relay.creators["maker"].dm_setting = "friends"
    queued = await submit(world, ws, user, [mention])
    request = world.request(queued.request_id)
    assert request.next_attempt_at == world.now + timedelta(minutes=15)
    assert (
        world.run(lambda s: s.get(CreatorFriendship, (request.creator_id, source))).is_friend
        is False
    )

    world.relay.creators["maker"].dm_setting = "everyone"  # the creator opens their DMs
    early = await retry(world, world.now + timedelta(minutes=14))
    assert (early.tried, world.relay.calls) == (0, 1)  # not before the backoff

    later = await retry(world, world.now + timedelta(minutes=15))
    again = await retry(world, world.now + timedelta(days=3))

    assert (later.tried, later.sent, later.workspaces) == (1, 1, {ws})
    assert again.tried == 0
    assert len(world.relay.messages) == 1
    assert world.request(queued.request_id).status == "requested"
    assert world.mention_row(mention).rights_status == "requested"


async def test_refusals_back_off_doubling_up_to_a_day(world: RightsWorld) -> None:
    ws, user = world.workspace()
    world.source(ws, "brand")
    mention = world.mention(ws, world.creator(ws, "maker"))
    world.relay.creators["maker"].dm_setting = "no_one"
    queued = await submit(world, ws, user, [mention])
    waits = []
    at = world.now
    for _ in range(9):
        nxt = world.request(queued.request_id).next_attempt_at
        assert nxt is not None
        waits.append(nxt - at)
        at = nxt
        await retry(world, at)
    assert waits[:4] == [timedelta(minutes=m) for m in (15, 30, 60, 120)]
    assert waits[-1] == timedelta(days=1)
    assert world.relay.messages == []


async def test_learning_the_creator_added_the_brand_as_friend_retries_at_once(
    world: RightsWorld,
) -> None:
    ws, user = world.workspace()
    source = world.source(ws, "brand")
    creator = world.creator(ws, "maker", dm_setting="friends")
    world.relay.creators["maker"].dm_setting = "friends"
    queued = await submit(world, ws, user, [world.mention(ws, creator)])

    world.relay.creators["maker"].friends.add("brand")
    later = world.now + timedelta(minutes=1)

    def befriend(s):  # type: ignore[no-untyped-def]
        row = s.get(CreatorFriendship, (creator, source))
        row.is_friend, row.learned_at = True, later
        s.add(row)

    world.run(befriend)
    result = await retry(world, later)
    assert (result.sent, world.request(queued.request_id).status) == (1, "requested")


async def test_queued_for_want_of_a_v1_source_goes_out_when_one_is_connected(
    world: RightsWorld,
) -> None:
    ws, user = world.workspace()
    old = world.source(ws, "brand", status=SourceStatus.disconnected)
    mention = world.mention(ws, world.creator(ws, "maker"))
    queued = await submit(world, ws, user, [mention])
    assert world.request(queued.request_id).queue_reason == "v1_disconnected"
    nothing = await retry(world, world.now + timedelta(days=2))
    assert (nothing.tried, world.relay.calls) == (0, 0)

    def reconnect(s):  # type: ignore[no-untyped-def]
        row = s.get(Source, old)
        row.status = SourceStatus.active.value
        row.access_token_enc = world.cipher.encrypt(f"tok-brand-{ws}")
        s.add(row)

    world.run(reconnect)
    result = await retry(world, world.now + timedelta(days=2, seconds=1))
    assert result.sent == 1 and len(world.relay.messages) == 1


async def test_tiktok_failing_queues_it_and_the_retry_after_a_minute_sends_it(
    world: RightsWorld,
) -> None:
    ws, user = world.workspace()
    world.source(ws, "brand")
    mention = world.mention(ws, world.creator(ws, "maker"))
    world.relay.raise_next = TransientError("HTTP 503")

    queued = await submit(world, ws, user, [mention])

    request = world.request(queued.request_id)
    assert (request.status, request.queue_reason) == ("in_queue", "tiktok_failed")
    assert request.queue_detail.startswith("TikTok did not answer")
    assert request.next_attempt_at == world.now + timedelta(minutes=1)
    result = await retry(world, world.now + timedelta(minutes=1))
    assert result.sent == 1 and len(world.relay.messages) == 1


async def test_a_crash_between_sending_and_saving_never_sends_twice(world: RightsWorld) -> None:
    ws, user = world.workspace()
    world.source(ws, "brand")
    mention = world.mention(ws, world.creator(ws, "maker"))
    relay_send = world.relay.send_dm

    async def send_then_die(**kw):  # type: ignore[no-untyped-def]
        await relay_send(**kw)
        raise Crash

    world.relay.send_dm = send_then_die  # type: ignore[method-assign]
    with pytest.raises(Crash):
        await submit(world, ws, user, [mention])
    world.relay.send_dm = relay_send  # type: ignore[method-assign]
    (request,) = world.run(lambda s: s.query(RightsRequest).all())
    assert request.status == "in_queue" and request.dm_started_at == world.now
    assert len(world.relay.messages) == 1  # delivered, but not saved

    soon = await retry(world, world.now + LEASE - timedelta(seconds=1))
    assert soon.tried == 0  # maybe still sending: left alone until the lease ends
    after = await retry(world, world.now + LEASE + timedelta(seconds=1))
    again = await retry(world, world.now + timedelta(hours=5))

    assert (after.tried, after.sent, again.tried) == (1, 1, 0)
    assert world.relay.calls == 2  # asked twice, with the same key: one message
    assert len(world.relay.messages) == 1
    saved = world.request(request.id or 0)
    assert (saved.status, saved.dm_started_at) == ("requested", None)
    assert world.mention_row(mention).rights_status == "requested"


async def test_retry_sending_by_hand_ignores_the_backoff_and_checks_the_workspace(
    world: RightsWorld,
) -> None:
    ws, user = world.workspace()
    other_ws, other_user = world.workspace("rival@other.com", "Rival")
    world.source(ws, "brand")
    mention = world.mention(ws, world.creator(ws, "maker"))
    world.relay.creators["maker"].dm_setting = "friends"
    queued = await submit(world, ws, user, [mention])

    async def retry_by(w: int, u: int) -> object:
        return await rights_retry.retry_request(
            world.db,
            workspace_id=w,
            user_id=u,
            request_id=queued.request_id,
            now=world.now + timedelta(minutes=1),
            gateway=world.relay,  # type: ignore[arg-type]
            cipher=world.cipher,
            links=factories.LINKS,
        )

    with pytest.raises(NotFound):
        await retry_by(other_ws, other_user)
    still = await retry_by(ws, user)
    assert still.status == "in_queue" and world.relay.calls == 2

    world.relay.creators["maker"].friends.add("brand")
    sent = await retry_by(ws, user)
    assert sent.sent is True and len(world.relay.messages) == 1
    with pytest.raises(InvalidInput, match="Only a request In Queue"):
        await retry_by(ws, user)


async def test_a_request_saved_but_never_routed_before_a_crash_is_sent_by_the_job(
    world: RightsWorld,
) -> None:
    ws, user = world.workspace()
    world.source(ws, "brand")
    mention = world.mention(ws, world.creator(ws, "maker"))
    saved = world.run(
        lambda s: rights.create_request(
            s,
            workspace_id=ws,
            user_id=user,
            mention_ids=[mention],
            message="Hi",
            sender_source_id=None,
            now=world.now,
            links=factories.LINKS,
        )
    )  # the process dies here, before routing

    soon = await retry(world, world.now + LEASE - timedelta(seconds=1))
    later = await retry(world, world.now + LEASE + timedelta(seconds=1))

    assert (soon.tried, later.sent) == (0, 1)
    assert world.request(saved.id or 0).status == "requested"
    assert len(world.relay.messages) == 1
