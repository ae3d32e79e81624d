"""Submitting usage-rights requests: routing in every combination, validation, default message.

TikTok's side is a fake relay applying the product rule (tests/services/rights_world.py); the
database is real (SQLite, and PostgreSQL when configured).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine

from archive_app.integrations.tiktok.kinds import Kind
from archive_app.models.rights import RightsRequest
from archive_app.models.sources import SourceStatus
from archive_app.services.errors import InvalidInput, NotAllowed, NotFound
from archive_app.services.rights import query as rights_query
from archive_app.services.rights import requests as rights
from archive_app.services.rights.link import answer_block
from tests import factories
from tests.services.rights_world import RightsWorld

NO_V1 = "Only a TikTok Account v.1 can send DMs, and this workspace has none."
DISCONNECTED = "The TikTok Account v.1 that sends DMs is disconnected. Reconnect it"
SETTINGS = "@maker's TikTok settings don't accept messages from this account."

# (what the app knows, what TikTok applies, whether @brand is the creator's friend)
CREATORS = {
    "everyone": ("everyone", "everyone", False),
    "friends_and_friend": ("friends", "friends", True),
    "friends_not_friend": ("friends", "friends", False),
    "suggested_friends": ("suggested_friends", "suggested_friends", False),
    "no_one": ("no_one", "no_one", False),
    "unknown": ("unknown", "everyone", False),
}
SENT_WITH_V1 = {"everyone", "friends_and_friend", "unknown"}


@pytest.fixture
def world(engine: Engine, now: datetime) -> RightsWorld:
    return RightsWorld(engine, now)


async def submit(world: RightsWorld, ws: int, user: int, ids: list[int], **kw: object):
    args = {"message": "May we use your video?", "sender_source_id": None, "now": world.now}
    args.update(kw)
    return await rights.submit_request(
        world.db,
        workspace_id=ws,
        user_id=user,
        mention_ids=ids,
        gateway=world.relay,  # type: ignore[arg-type]
        cipher=world.cipher,
        links=factories.LINKS,
        **args,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("v1", ["none", "active", "disconnected"])
@pytest.mark.parametrize("creator", list(CREATORS))
async def test_routing_sends_only_from_an_active_v1_to_a_creator_who_accepts_it(
    world: RightsWorld, v1: str, creator: str
) -> None:
    ws, user = world.workspace()
    world.source(ws, "brand", kind=Kind.tiktok_v2)
    v1_id = None
    if v1 != "none":
        status = SourceStatus.active if v1 == "active" else SourceStatus.disconnected
        v1_id = world.source(ws, "brand", status=status)
    known, applied, friend = CREATORS[creator]
    creator_id = world.creator(ws, "maker", dm_setting=known)
    world.relay.creators["maker"].dm_setting = applied
    if friend:
        world.relay.creators["maker"].friends.add("brand")
    mention = world.mention(ws, creator_id)

    outcome = await submit(world, ws, user, [mention], message="  Hello!  ")

    request = world.request(outcome.request_id)
    video = world.mention_row(mention)
    if v1 == "active" and creator in SENT_WITH_V1:
        assert (outcome.status, request.status, video.rights_status) == ("requested",) * 3
        assert request.sent_at == world.now and request.queue_reason == ""
        dm = "Hello!\n\nhttps://www.tiktok.com/@maker/video/1\n\n" + answer_block(
            factories.LINKS.url(outcome.request_id)
        )
        assert world.relay.messages == [("msg.1", "brand", "maker", dm)]
        assert (
            outcome.toast == "Request sent to @maker as a TikTok message. Its status is Requested."
        )
        assert [e[0] for e in world.events(request.id or 0)] == ["in_queue", "requested"]
        return
    assert (outcome.status, request.status, video.rights_status) == ("in_queue",) * 3
    assert world.relay.messages == [] and request.sent_at is None
    expected = {"none": NO_V1, "disconnected": DISCONNECTED, "active": SETTINGS}[v1]
    assert request.queue_detail.startswith(expected)
    assert outcome.reason == request.queue_detail
    assert outcome.toast == f"Request to @maker is In Queue: {request.queue_detail}"
    assert world.relay.calls == (1 if v1 == "active" else 0)  # routing alone asks TikTok nothing
    assert video.rights_request_id == request.id
    assert request.requested_by_id == user
    assert request.sender_source_id == v1_id  # the account to reconnect, or the one refused


async def test_the_chosen_sending_account_sends_and_is_recorded(world: RightsWorld) -> None:
    ws, user = world.workspace()
    world.source(ws, "brand")
    second = world.source(ws, "brand_eu")
    mention = world.mention(ws, world.creator(ws, "maker"))

    outcome = await submit(world, ws, user, [mention], sender_source_id=second)

    assert outcome.sent and world.relay.messages[0][1] == "brand_eu"
    assert world.request(outcome.request_id).sender_source_id == second
    assert world.events(outcome.request_id)[-1] == (
        "requested",
        "Sent as a DM from @brand_eu",
        None,
    )


async def test_several_videos_of_one_creator_are_one_request_with_every_link(
    world: RightsWorld,
) -> None:
    ws, user = world.workspace()
    world.source(ws, "brand")
    creator = world.creator(ws, "maker")
    ids = [world.mention(ws, creator), world.mention(ws, creator)]

    outcome = await submit(world, ws, user, ids, message="Hi")

    text = world.relay.messages[0][3]
    assert text.startswith("Hi\n\n") and text.count("https://www.tiktok.com/@maker/video/") == 2
    assert {world.mention_row(i).rights_status for i in ids} == {"requested"}
    assert {world.mention_row(i).rights_request_id for i in ids} == {outcome.request_id}


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("   ", "Write a message to the creator first."),
        # 1,000 + the video's link (37) + the creator's link and its note (177) + 2 blank lines
        ("x" * 1000, "at most 1,000 characters, links included. Shorten it by 216 characters."),
    ],
)
async def test_an_empty_or_over_long_message_is_refused_and_nothing_is_saved_or_sent(
    world: RightsWorld, message: str, words: str
) -> None:
    ws, user = world.workspace()
    world.source(ws, "brand")
    mention = world.mention(ws, world.creator(ws, "maker"))

    with pytest.raises(InvalidInput) as refused:
        await submit(world, ws, user, [mention], message=message)

    assert words in refused.value.message and refused.value.field == "message"
    assert world.relay.calls == 0
    assert world.run(lambda s: s.query(RightsRequest).count()) == 0
    assert world.mention_row(mention).rights_status == ""


async def test_a_second_request_for_open_content_says_so_and_sends_nothing(
    world: RightsWorld,
) -> None:
    ws, user = world.workspace()
    world.source(ws, "brand")
    creator = world.creator(ws, "maker")
    first, second = world.mention(ws, creator), world.mention(ws, creator)
    await submit(world, ws, user, [first])

    with pytest.raises(InvalidInput) as refused:
        await submit(world, ws, user, [second, first])

    assert refused.value.message == (
        "You already asked for one of these videos on Nov 23, 2026; that request is still "
        "open (Requested). See Manage Rights, where you can copy or retry it."
    )
    assert len(world.relay.messages) == 1
    assert world.mention_row(second).rights_request_id is None


@pytest.mark.parametrize("status", ["approved", "declined"])
async def test_content_already_approved_or_declined_cannot_be_asked_again(
    world: RightsWorld, status: str
) -> None:
    ws, user = world.workspace()
    world.source(ws, "brand")
    mention = world.mention(ws, world.creator(ws, "maker"))
    outcome = await submit(world, ws, user, [mention])

    def decide(s):  # type: ignore[no-untyped-def]
        request = s.get(RightsRequest, outcome.request_id)
        request.status = status
        s.add(request)

    world.run(decide)
    with pytest.raises(InvalidInput) as refused:
        await submit(world, ws, user, [mention])
    assert refused.value.message == (
        f"Usage rights for this video are already {status.capitalize()}. See Manage Rights."
    )
    with pytest.raises(InvalidInput):
        world.run(
            lambda s: rights_query.request_window(
                s, workspace_id=ws, user_id=user, mention_ids=[mention]
            )
        )


async def test_videos_of_two_creators_are_refused(world: RightsWorld) -> None:
    ws, user = world.workspace()
    a = world.mention(ws, world.creator(ws, "maker"))
    b = world.mention(ws, world.creator(ws, "other"))
    with pytest.raises(InvalidInput, match="choose videos of one creator only"):
        await submit(world, ws, user, [a, b])


async def test_nothing_of_another_workspace_can_be_read_or_asked_for(world: RightsWorld) -> None:
    ws, user = world.workspace()
    other_ws, other_user = world.workspace("rival@other.com", "Rival")
    theirs = world.mention(other_ws, world.creator(other_ws, "maker"))
    their_source = world.source(other_ws, "rival")
    mine = world.mention(ws, world.creator(ws, "maker"))
    world.source(ws, "brand")

    with pytest.raises(NotFound):
        world.run(
            lambda s: rights_query.request_window(
                s, workspace_id=ws, user_id=user, mention_ids=[theirs]
            )
        )
    with pytest.raises(NotFound):
        await submit(world, ws, user, [theirs])
    with pytest.raises(NotFound):
        await submit(world, ws, user, [mine, theirs])
    with pytest.raises(InvalidInput, match="can no longer send messages"):
        await submit(world, ws, user, [mine], sender_source_id=their_source)
    with pytest.raises(NotAllowed):  # a member of another workspace, naming this one
        await submit(world, ws, other_user, [mine])
    assert world.relay.calls == 0
    assert world.run(lambda s: s.query(RightsRequest).count()) == 0


async def test_the_default_message_is_per_workspace_and_the_starter_covers_the_spec(
    world: RightsWorld,
) -> None:
    ws, user = world.workspace()
    other_ws, other_user = world.workspace("rival@other.com", "Rival")
    mine = world.mention(ws, world.creator(ws, "maker"))
    theirs = world.mention(other_ws, world.creator(other_ws, "maker"))

    def window(w: int, u: int, m: int) -> rights_query.RequestWindow:
        return world.run(
            lambda s: rights_query.request_window(s, workspace_id=w, user_id=u, mention_ids=[m])
        )

    starter = window(ws, user, mine)
    assert not starter.is_default and starter.message == rights_query.STARTER_MESSAGE
    for words in ("Why:", "How we plan to use it:", "Other details:", "all digital media unless"):
        assert words in starter.message

    world.run(
        lambda s: rights.save_default_message(
            s, workspace_id=ws, user_id=user, message=" Our words ", now=world.now
        )
    )
    assert (window(ws, user, mine).message, window(ws, user, mine).is_default) == (
        "Our words",
        True,
    )
    assert window(other_ws, other_user, theirs).message == rights_query.STARTER_MESSAGE

    with pytest.raises(InvalidInput):
        world.run(
            lambda s: rights.save_default_message(
                s, workspace_id=ws, user_id=user, message="", now=world.now
            )
        )
    with pytest.raises(NotAllowed):
        world.run(
            lambda s: rights.save_default_message(
                s, workspace_id=ws, user_id=other_user, message="theirs", now=world.now
            )
        )
    assert window(ws, user, mine).message == "Our words"


async def test_the_window_offers_active_v1_accounts_and_previews_as_the_first(
    world: RightsWorld,
) -> None:
    ws, user = world.workspace()
    world.source(ws, "brand_v2", kind=Kind.tiktok_v2)
    world.source(ws, "old", status=SourceStatus.disconnected)
    world.source(ws, "brand")
    world.source(ws, "brand_eu")
    mention = world.mention(ws, world.creator(ws, "maker"))

    window = world.run(
        lambda s: rights_query.request_window(
            s, workspace_id=ws, user_id=user, mention_ids=[mention]
        )
    )

    assert [s.handle for s in window.senders] == ["brand", "brand_eu"]
    assert (window.brand_handle, window.creator_handle) == ("brand", "maker")
    assert window.links == ["https://www.tiktok.com/@maker/video/1"]


@pytest.mark.parametrize(
    ("char", "code"), [("\x00", "U+0000"), ("\x1b", "U+001B"), ("\x7f", "U+007F")]
)
async def test_a_control_character_in_the_message_is_refused_by_name_and_nothing_is_stored(
    world: RightsWorld, char: str, code: str
) -> None:
    """Issue 18: NUL and ESC were stored and sent raw (and a NUL failed on PostgreSQL)."""
    ws, user = world.workspace()
    world.source(ws, "brand")
    mention = world.mention(ws, world.creator(ws, "maker"))
    wanted = f"The message has a character that can't be sent ({code}). Remove it and try again."

    with pytest.raises(InvalidInput) as refused:
        await submit(world, ws, user, [mention], message=f"May we use it?{char}[31m")
    with pytest.raises(InvalidInput) as refused_default:
        world.run(
            lambda s: rights.save_default_message(
                s, workspace_id=ws, user_id=user, message=f"Hi{char}", now=world.now
            )
        )

    assert (refused.value.message, refused.value.field) == (wanted, "message")
    assert refused_default.value.message == wanted
    assert world.relay.calls == 0
    assert world.run(lambda s: s.query(RightsRequest).count()) == 0
    window = world.run(
        lambda s: rights_query.request_window(
            s, workspace_id=ws, user_id=user, mention_ids=[mention]
        )
    )
    assert not window.is_default


async def test_newlines_and_tabs_in_the_message_are_kept(world: RightsWorld) -> None:
    ws, user = world.workspace()
    world.source(ws, "brand")
    mention = world.mention(ws, world.creator(ws, "maker"))

    await submit(world, ws, user, [mention], message="Hi!\r\nWhy:\tads\nThanks")

    sent = world.run(lambda s: s.query(RightsRequest).one())
    assert sent.message == "Hi!\nWhy:\tads\nThanks"
