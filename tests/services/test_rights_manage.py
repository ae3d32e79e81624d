"""Manage Rights: the table and its filters, Copy message, setting a status by hand, CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from archive_app.models.mentions import Mention
from archive_app.models.rights import RightsRequestMention
from archive_app.models.sources import SourceStatus
from archive_app.services.errors import InvalidInput, NotAllowed, NotFound
from archive_app.services.rights import export, manage
from archive_app.services.rights import retry as rights_retry
from archive_app.services.rights import status as rights_status
from archive_app.services.rights.link import answer_block
from tests import factories
from tests.services.rights_world import RightsWorld
from tests.services.test_rights import submit


@pytest.fixture
def world(engine: Engine, now: datetime) -> RightsWorld:
    return RightsWorld(engine, now)


async def _two_requests(world: RightsWorld) -> tuple[int, int, int, int]:
    """@maker (Everyone: Requested, yesterday) and @shy (Friends: In Queue, today)."""
    ws, user = world.workspace()
    world.source(ws, "brand")
    maker = world.creator(ws, "maker")
    shy = world.creator(ws, "shy")
    world.relay.creators["shy"].dm_setting = "friends"
    sent = await submit(
        world, ws, user, [world.mention(ws, maker)], now=world.now - timedelta(days=1)
    )
    queued = await submit(world, ws, user, [world.mention(ws, shy)], message="=cmd|' /C calc'!A0")
    return ws, user, sent.request_id, queued.request_id


def rows(world: RightsWorld, ws: int, user: int, **kw: object) -> list[manage.RequestRow]:
    filters = manage.RightsFilter(**kw)  # type: ignore[arg-type]
    return world.run(
        lambda s: manage.list_requests(s, workspace_id=ws, user_id=user, filters=filters)
    )


async def test_the_table_shows_who_what_when_and_why_newest_first(world: RightsWorld) -> None:
    ws, user, _sent, queued = await _two_requests(world)

    first, second = rows(world, ws, user)

    assert (first.request_id, first.creator_handle, first.status_label) == (
        queued,
        "shy",
        "In Queue",
    )
    assert first.reason.startswith("@shy's TikTok settings don't accept messages")
    assert (second.status_label, second.reason, second.sent_at) == (
        "Requested",
        "",
        world.now - timedelta(days=1),
    )
    assert (second.requested_by, second.sender_handle) == ("owner@brand.com", "brand")
    assert [v.url for v in second.videos] == ["https://www.tiktok.com/@maker/video/1"]
    # Archive's copy of the cover only, never TikTok's URL: none kept yet (issue 22).
    assert (second.videos[0].thumbnail_url, second.videos[0].video_id) == ("", "v1")


async def test_filters_by_status_creator_and_dates(world: RightsWorld) -> None:
    ws, user, sent, queued = await _two_requests(world)
    today, yesterday = world.now.date(), world.now.date() - timedelta(days=1)
    shy_id = rows(world, ws, user)[0].creator_id

    assert [r.request_id for r in rows(world, ws, user, status="requested")] == [sent]
    assert [r.request_id for r in rows(world, ws, user, creator_id=shy_id)] == [queued]
    assert [r.request_id for r in rows(world, ws, user, since=today)] == [queued]
    assert [r.request_id for r in rows(world, ws, user, until=yesterday)] == [sent]
    assert rows(world, ws, user, since=today, status="requested") == []
    with pytest.raises(InvalidInput, match="start date is after the end date"):
        manage.RightsFilter(since=today, until=yesterday)
    with pytest.raises(InvalidInput):
        manage.RightsFilter(status="sent")


async def test_copy_message_is_the_message_and_the_links(world: RightsWorld) -> None:
    ws, user, sent, _ = await _two_requests(world)
    text = world.run(
        lambda s: manage.copy_text(
            s, workspace_id=ws, user_id=user, request_id=sent, links=factories.LINKS
        )
    )
    assert text == (
        "May we use your video?\n\nhttps://www.tiktok.com/@maker/video/1\n\n"
        + answer_block(factories.LINKS.url(sent))
    )


async def test_marking_by_hand_records_who_and_when_and_closes_the_content(
    world: RightsWorld,
) -> None:
    ws, user, sent, queued = await _two_requests(world)
    later = world.now + timedelta(hours=2)

    world.run(
        lambda s: rights_status.set_status(
            s, workspace_id=ws, user_id=user, request_id=queued, status="approved", now=later
        )
    )

    row = rows(world, ws, user, status="approved")[0]
    assert (row.status_set_by, row.status_set_at, row.responded_at) == (
        "owner@brand.com",
        later,
        later,
    )
    assert world.events(queued)[-1] == ("approved", "Marked as Approved", user)
    (link,) = world.run(
        lambda s: s.exec(
            select(RightsRequestMention).where(RightsRequestMention.request_id == queued)
        ).all()
    )
    assert world.mention_row(link.mention_id).rights_status == "approved"
    retried = await _retry_all(world, later + timedelta(days=2))
    assert retried == 0 and world.relay.messages[-1][2] == "maker"  # nothing sent to @shy
    with pytest.raises(InvalidInput):
        world.run(
            lambda s: rights_status.set_status(
                s, workspace_id=ws, user_id=user, request_id=sent, status="in_queue", now=later
            )
        )


async def _retry_all(world: RightsWorld, at: datetime) -> int:
    result = await rights_retry.retry_queued(
        world.db,
        now=at,
        gateway=world.relay,  # type: ignore[arg-type]
        cipher=world.cipher,
        links=factories.LINKS,
    )
    return result.tried


async def test_csv_export_is_the_filtered_table_and_never_a_formula(world: RightsWorld) -> None:
    ws, user, _sent, _queued = await _two_requests(world)

    data = world.run(
        lambda s: export.export_csv(
            s, workspace_id=ws, user_id=user, filters=manage.RightsFilter(status="in_queue")
        )
    )

    header, *lines = list(csv.reader(io.StringIO(data)))
    assert header[:5] == ["creator", "scope", "status", "reason", "requested at (UTC)"]
    assert len(lines) == 1 and lines[0][:3] == ["'@shy", "Usage Rights", "In Queue"]
    assert lines[0][-1] == "'=cmd|' /C calc'!A0"
    assert lines[0][-2] == "https://www.tiktok.com/@shy/video/2"


async def test_csv_export_guards_the_creator_sender_and_video_link_cells_too(
    world: RightsWorld,
) -> None:
    """Issue 18: the handle columns and the link column went out raw ("@..." and "=...")."""
    ws, user, _sent, _queued = await _two_requests(world)
    world.run(
        lambda s: [
            setattr(m, "url", '=HYPERLINK("https://evil.example","open")')
            for m in s.exec(select(Mention).where(Mention.workspace_id == ws)).all()
        ]
    )

    data = world.run(lambda s: export.export_csv(s, workspace_id=ws, user_id=user))

    header, *lines = list(csv.reader(io.StringIO(data)))
    columns = [dict(zip(header, line, strict=True)) for line in lines]
    requested = next(c for c in columns if c["status"] == "Requested")
    assert requested["creator"] == "'@maker"
    assert requested["sent from"] == "'@brand"
    assert requested["videos"] == '\'=HYPERLINK("https://evil.example","open")'
    formula_starts = ("=", "+", "-", "@", "\t", "\r")
    assert not [cell for line in lines for cell in line if cell.startswith(formula_starts)]


async def test_nothing_of_another_workspace_is_listed_copied_or_changed(
    world: RightsWorld,
) -> None:
    ws, _user, sent, queued = await _two_requests(world)
    other_ws, other_user = world.workspace("rival@other.com", "Rival")
    world.source(other_ws, "rival", status=SourceStatus.active)

    assert rows(world, other_ws, other_user) == []
    for work in (
        lambda s: manage.copy_text(
            s, workspace_id=other_ws, user_id=other_user, request_id=sent, links=factories.LINKS
        ),
        lambda s: rights_status.set_status(
            s,
            workspace_id=other_ws,
            user_id=other_user,
            request_id=queued,
            status="declined",
            now=world.now,
        ),
    ):
        with pytest.raises(NotFound):
            world.run(work)
    with pytest.raises(NotAllowed):
        rows(world, ws, other_user)
    with pytest.raises(NotAllowed):
        world.run(lambda s: export.export_csv(s, workspace_id=ws, user_id=other_user))
    assert world.request(queued).status == "in_queue"


async def test_the_table_shows_what_its_own_unit_of_work_changed_before_listing(
    world: RightsWorld,
) -> None:
    """The table's query runs on the connection, past the session's autoflush: a status set
    earlier in the same unit of work is listed, not the stored one."""
    ws, _user, sent, _queued = await _two_requests(world)

    def set_then_list(s):  # type: ignore[no-untyped-def]
        request = manage.get_request(s, workspace_id=ws, request_id=sent)
        request.status = "approved"
        s.add(request)
        return manage.requests_of(s, workspace_id=ws, filters=manage.RightsFilter())

    listed = {r.request_id: r.status_label for r in world.run(set_then_list)}
    assert listed[sent] == "Approved"
