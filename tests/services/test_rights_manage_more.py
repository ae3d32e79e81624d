"""Manage Rights, issue 20: the Scope / Response Date / creator filters and their URL round
trip, `Remove request`, the CSV's new columns, and the median response time per creator."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from archive_app.models.mentions import Creator
from archive_app.models.rights import RightsRequest, RightsStatus
from archive_app.models.rights_proof import RightsProof
from archive_app.services.errors import NotFound
from archive_app.services.rights import creators, export, manage
from archive_app.services.rights import retry as rights_retry
from archive_app.services.rights.filters import RightsFilter, parse_filters
from tests.services.rights_world import RightsWorld
from tests.services.test_rights import submit
from tests.services.test_rights_spark import approve_spark


@pytest.fixture
def world(engine: Engine, now: datetime) -> RightsWorld:
    return RightsWorld(engine, now)


def answer(world: RightsWorld, request_id: int, status: str, *, at: datetime) -> None:
    def work(s):  # type: ignore[no-untyped-def]
        request = s.get(RightsRequest, request_id)
        request.status, request.responded_at = status, at
        s.add(request)

    world.run(work)


def ids(world: RightsWorld, ws: int, user: int, **kw: object) -> list[int]:
    filters = RightsFilter(**kw)  # type: ignore[arg-type]
    found = world.run(
        lambda s: manage.list_requests(s, workspace_id=ws, user_id=user, filters=filters)
    )
    return [r.request_id for r in found]


async def _three(world: RightsWorld) -> tuple[int, int, int, int, int]:
    """@maker usage rights (answered today), @maker.two Spark (answered yesterday), @other
    usage rights (not answered)."""
    ws, user = world.workspace()
    world.source(ws, "brand")
    maker, two, other = (world.creator(ws, h) for h in ("maker", "maker.two", "other"))
    a = (await submit(world, ws, user, [world.mention(ws, maker)])).request_id
    b = (
        await submit(
            world, ws, user, [world.mention(ws, two)], scope="spark_code", spark_duration_days=7
        )
    ).request_id
    c = (await submit(world, ws, user, [world.mention(ws, other)])).request_id
    answer(world, a, "approved", at=world.now)
    answer(world, b, "declined", at=world.now - timedelta(days=1))
    return ws, user, a, b, c


async def test_filters_by_scope_response_date_and_creator_search(world: RightsWorld) -> None:
    ws, user, a, b, c = await _three(world)
    today, yesterday = world.now.date(), world.now.date() - timedelta(days=1)

    assert ids(world, ws, user, scope="spark_code") == [b]
    assert sorted(ids(world, ws, user, scope="usage_rights")) == [a, c]
    assert ids(world, ws, user, responded_since=today) == [a]
    assert ids(world, ws, user, responded_until=yesterday) == [b]
    assert sorted(ids(world, ws, user, creator="maker")) == [a, b]
    assert ids(world, ws, user, creator="two") == [b]
    assert ids(world, ws, user, creator="%") == []  # a wildcard is a character, not "anything"
    assert ids(world, ws, user, creator="maker", scope="usage_rights") == [a]


def test_the_url_round_trips_and_bad_values_are_ignored_with_a_note() -> None:
    good = {
        "status": "approved",
        "scope": "spark_code",
        "requested_from": "2026-11-01",
        "requested_to": "2026-11-30",
        "responded_from": "2026-11-02",
        "responded_to": "2026-11-03",
        "q": "maker",
    }
    filters, notes = parse_filters(good)
    assert notes == [] and filters.query() == good
    assert filters.responded_since == date(2026, 11, 2)

    filters, notes = parse_filters(
        {
            "status": "sent",
            "scope": "all",
            "requested_from": "yesterday",
            "responded_from": "2026-11-05",
            "responded_to": "2026-11-01",
            "q": "  @maker  ",
        }
    )
    assert filters.query() == {
        "responded_from": "2026-11-01",
        "responded_to": "2026-11-05",
        "q": "maker",
    }
    assert notes == [
        "The status in the link is not one Archive knows; showing every status.",
        "The scope in the link is not Usage Rights or Spark Code; showing both.",
        "The request start date in the link is not a date (YYYY-MM-DD); ignored.",
        "The response start date was after its end date; they were swapped.",
    ]


async def test_remove_request_hides_it_keeps_its_history_and_frees_its_video(
    world: RightsWorld,
) -> None:
    ws, user = world.workspace()
    world.source(ws, "brand")
    video = world.mention(ws, world.creator(ws, "shy", dm_setting="friends"))
    queued = await submit(world, ws, user, [video])
    assert queued.status == "in_queue"

    world.run(
        lambda s: manage.remove_request(
            s, workspace_id=ws, user_id=user, request_id=queued.request_id, now=world.now
        )
    )

    assert ids(world, ws, user) == []
    request = world.request(queued.request_id)
    assert request.withdrawn_at == world.now and request.message == "May we use your video?"
    assert world.events(queued.request_id)[-1] == ("in_queue", "Request removed", user)
    assert world.mention_row(video).rights_request_id is None

    # never sent afterwards, even once the creator opens their DMs to Everyone
    def opens(s):  # type: ignore[no-untyped-def]
        creator = s.get(Creator, world.mention_row(video).creator_id)
        creator.dm_setting, creator.dm_setting_at = "everyone", world.now + timedelta(days=1)
        s.add(creator)

    world.run(opens)
    assert (
        world.run(lambda s: rights_retry.due_requests(s, now=world.now + timedelta(days=2))) == []
    )
    with pytest.raises(NotFound):
        world.run(
            lambda s: manage.remove_request(
                s, workspace_id=ws, user_id=user, request_id=queued.request_id, now=world.now
            )
        )
    again = await submit(world, ws, user, [video])
    assert ids(world, ws, user) == [again.request_id]


async def test_another_workspace_cannot_remove_a_request(world: RightsWorld) -> None:
    _ws, _user, a, _b, _c = await _three(world)
    other_ws, other_user = world.workspace("rival@other.com", "Rival")

    with pytest.raises(NotFound):
        world.run(
            lambda s: manage.remove_request(
                s, workspace_id=other_ws, user_id=other_user, request_id=a, now=world.now
            )
        )
    assert world.request(a).withdrawn_at is None


async def test_csv_has_scope_response_date_code_expiry_and_proof_link(world: RightsWorld) -> None:
    ws, user, a, b, _c = await _three(world)
    answer(world, b, "requested", at=world.now)
    approve_spark(world, b, "code-b", at=world.now)
    world.run(
        lambda s: s.add(
            RightsProof(
                request_id=a,
                decision=RightsStatus.approved.value,
                answered_at=world.now,
                message="m",
                videos_json="[]",
                identified_by="tiktok",
            )
        )
    )

    data = world.run(
        lambda s: export.export_csv(
            s, workspace_id=ws, user_id=user, base_url="https://archive.brand.com/"
        )
    )

    header, *lines = list(csv.reader(io.StringIO(data)))
    by_creator = {line[0]: dict(zip(header, line, strict=True)) for line in lines}
    usage, spark_row = by_creator["'@maker"], by_creator["'@maker.two"]
    assert (usage["scope"], usage["responded at (UTC)"]) == ("Usage Rights", "2026-11-23 12:00")
    assert usage["proof"] == f"https://archive.brand.com/rights/{a}/proof"
    assert (spark_row["scope"], spark_row["spark code expires at (UTC)"]) == (
        "Spark Code",
        "2026-11-30 12:00",
    )
    assert spark_row["proof"] == "" and "code-b" not in data  # the code itself is not exported


async def test_median_response_time_per_creator_uses_the_answered_requests_of_the_list(
    world: RightsWorld,
) -> None:
    ws, user = world.workspace()
    world.source(ws, "brand")
    maker = world.creator(ws, "maker")
    spans = [timedelta(hours=2), timedelta(hours=6), timedelta(days=3)]
    for span in spans:
        done = await submit(world, ws, user, [world.mention(ws, maker)])
        answer(world, done.request_id, "approved", at=world.now + span)
    await submit(world, ws, user, [world.mention(ws, maker)])  # not answered: not counted
    removed = await submit(world, ws, user, [world.mention(ws, maker)])
    answer(world, removed.request_id, "declined", at=world.now + timedelta(days=30))
    world.run(
        lambda s: manage.remove_request(
            s, workspace_id=ws, user_id=user, request_id=removed.request_id, now=world.now
        )
    )

    row = world.run(
        lambda s: creators.find_creator(s, workspace_id=ws, user_id=user, handle="maker")
    )

    assert row is not None and (row.median_response, row.answered) == (timedelta(hours=6), 3)
    assert creators.median_response([]) == (None, 0)
