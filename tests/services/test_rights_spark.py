"""Spark Ads Code requests: one TikTok video, a duration, their own default message; the code
once approved (shown decrypted, with its expiry), `Expired` and `Request again`."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from archive_app.models.rights import RightsRequest, RightsStatus
from archive_app.services.errors import InvalidInput
from archive_app.services.rights import manage, query, spark
from archive_app.services.rights import requests as rights
from tests.services.rights_world import RightsWorld
from tests.services.test_rights import submit


@pytest.fixture
def world(engine: Engine, now: datetime) -> RightsWorld:
    return RightsWorld(engine, now)


def approve_spark(world: RightsWorld, request_id: int, code: str, *, at: datetime) -> None:
    """What the creator's page records when a creator approves with a code (helper A's part)."""

    def work(s):  # type: ignore[no-untyped-def]
        request = s.get(RightsRequest, request_id)
        request.status = RightsStatus.approved.value
        request.responded_at = at
        request.spark_code_enc = world.cipher.encrypt(code)
        request.spark_expires_at = at + timedelta(days=request.spark_duration_days)
        s.add(request)

    world.run(work)


def rows(world: RightsWorld, ws: int, user: int, now: datetime) -> list[manage.RequestRow]:
    return world.run(
        lambda s: manage.list_requests(
            s, workspace_id=ws, user_id=user, cipher=world.cipher, now=now
        )
    )


async def _spark(world: RightsWorld, days: int = 30) -> tuple[int, int, int, int]:
    ws, user = world.workspace()
    world.source(ws, "brand")
    video = world.mention(ws, world.creator(ws, "maker"))
    sent = await submit(
        world, ws, user, [video], scope="spark_code", spark_duration_days=days, message="Code?"
    )
    return ws, user, video, sent.request_id


async def test_a_spark_request_asks_one_video_for_a_duration_and_is_sent_like_the_others(
    world: RightsWorld,
) -> None:
    ws, user, video, request_id = await _spark(world, days=60)

    request = world.request(request_id)
    assert (request.scope, request.spark_duration_days, request.status) == (
        "spark_code",
        60,
        "requested",
    )
    assert world.relay.messages[0][3].startswith("Code?\n\nhttps://www.tiktok.com/@maker/video/")
    # the video's usage-rights claim (the Feed's badge) is untouched: both can be asked
    assert (world.mention_row(video).rights_request_id, world.mention_row(video).rights_status) == (
        None,
        "",
    )
    usage = await submit(world, ws, user, [video])
    assert usage.sent


@pytest.mark.parametrize("days", [None, 0, 14, 366])
async def test_a_duration_other_than_7_30_60_or_365_days_is_refused(
    world: RightsWorld, days: int | None
) -> None:
    ws, user = world.workspace()
    video = world.mention(ws, world.creator(ws, "maker"))

    with pytest.raises(InvalidInput, match="7, 30, 60, 365 days"):
        await submit(world, ws, user, [video], scope="spark_code", spark_duration_days=days)


async def test_a_spark_request_is_for_one_video_with_none_open_already(world: RightsWorld) -> None:
    ws, user, video, _request_id = await _spark(world)
    creator = world.mention_row(video).creator_id
    other = world.mention(ws, creator)

    with pytest.raises(InvalidInput, match="asks for one video"):
        await submit(world, ws, user, [video, other], scope="spark_code", spark_duration_days=7)
    with pytest.raises(InvalidInput, match="already asked for this video's Spark Ads code"):
        await submit(world, ws, user, [video], scope="spark_code", spark_duration_days=7)
    with pytest.raises(InvalidInput, match="Usage Rights or Spark Code"):
        await submit(world, ws, user, [other], scope="everything")


async def test_the_spark_window_has_its_own_default_message(world: RightsWorld) -> None:
    ws, user = world.workspace()
    video = world.mention(ws, world.creator(ws, "maker"))

    def window(scope: str) -> query.RequestWindow:
        if scope == "spark_code":
            return world.run(
                lambda s: spark.spark_window(s, workspace_id=ws, user_id=user, mention_ids=[video])
            )
        return world.run(
            lambda s: query.request_window(s, workspace_id=ws, user_id=user, mention_ids=[video])
        )

    assert window("spark_code").message == spark.SPARK_STARTER_MESSAGE
    world.run(
        lambda s: rights.save_default_message(
            s,
            workspace_id=ws,
            user_id=user,
            message="Spark code please",
            now=world.now,
            scope="spark_code",
        )
    )
    assert (window("spark_code").message, window("spark_code").is_default) == (
        "Spark code please",
        True,
    )
    assert window("usage_rights").message == query.STARTER_MESSAGE  # the other one is unchanged
    world.run(
        lambda s: rights.save_default_message(
            s, workspace_id=ws, user_id=user, message="Usage please", now=world.now
        )
    )
    assert (window("usage_rights").message, window("spark_code").message) == (
        "Usage please",
        "Spark code please",
    )


async def test_an_approved_code_is_shown_decrypted_with_its_expiry_then_expired(
    world: RightsWorld,
) -> None:
    ws, user, video, request_id = await _spark(world, days=30)
    approve_spark(world, request_id, "#AbC123spark", at=world.now)
    stored = world.request(request_id).spark_code_enc
    assert stored and "AbC123" not in stored

    [row] = rows(world, ws, user, world.now + timedelta(days=29))
    assert (row.spark_code, row.spark_expires_at, row.expired) == (
        "#AbC123spark",
        world.now + timedelta(days=30),
        False,
    )
    [row] = rows(world, ws, user, world.now + timedelta(days=30))
    assert row.expired is True
    assert row.mention_ids == [video]


async def test_request_again_opens_the_same_video_with_the_message_and_duration_before(
    world: RightsWorld,
) -> None:
    ws, user, video, request_id = await _spark(world, days=60)
    approve_spark(world, request_id, "code-1", at=world.now)

    window, days = world.run(
        lambda s: spark.again_window(s, workspace_id=ws, user_id=user, request_id=request_id)
    )

    assert (window.mention_ids, window.message, days) == ([video], "Code?", 60)
    again = await submit(world, ws, user, [video], scope="spark_code", spark_duration_days=days)
    assert world.request(again.request_id).spark_duration_days == 60
