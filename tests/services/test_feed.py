"""The Feed's query: filters, keyset paging, the chart, coverage gaps, and that one workspace
never reads another's mentions, whatever ids a browser sends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from archive_app.integrations.tiktok.protocol import Video
from archive_app.models.mentions import FoundVia, Mention
from archive_app.models.sources import Source, SourceEvent, SourceStatus
from archive_app.services.errors import NotAllowed
from archive_app.services.mentions import feed, feed_live, feed_overview
from archive_app.services.mentions.ingest import ingest
from archive_app.services.sources.status import set_status
from tests import factories

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class Brand:
    def __init__(self, session: Session, name: str) -> None:
        owner = factories.workspace(
            session, email=f"owner@{name}.com", name=name, now=NOW - timedelta(days=400)
        )
        self.session, self.user_id, self.workspace_id = session, owner.user_id, owner.workspace_id

    def source(self, handle: str, kind: str = "tiktok_v2", *, connected: datetime) -> int:
        source = Source(
            workspace_id=self.workspace_id,
            kind=kind,
            open_id=f"oid-{handle}",
            handle=handle,
            status=SourceStatus.connecting,
            status_changed_at=connected,
            created_at=connected,
        )
        self.session.add(source)
        self.session.flush()
        set_status(
            self.session, source=source, status=SourceStatus.active, reason="", now=connected
        )
        assert source.id is not None
        return source.id

    def found(self, source_id: int, *videos: Video) -> None:
        ingest(self.session, source_id=source_id, videos=videos, via=FoundVia.poll, now=NOW)

    def page(self, filters: feed.FeedFilter | None = None, **kw: object) -> feed.FeedPage:
        return feed.feed_page(
            self.session,
            workspace_id=self.workspace_id,
            user_id=self.user_id,
            filters=filters or feed.FeedFilter(),
            **kw,  # type: ignore[arg-type]
        )

    def captions(self, filters: feed.FeedFilter | None = None, **kw: object) -> list[str]:
        return [r.caption for r in self.page(filters, **kw).rows]


def video(n: int, handle: str = "maya", caption: str = "", hours_ago: float = 0) -> Video:
    return Video(
        item_id=f"v{n}",
        created_at=NOW - timedelta(hours=hours_ago or n),
        url=f"https://www.tiktok.com/@{handle}/video/v{n}",
        caption=caption or f"video {n}",
        creator_handle=handle,
        thumbnail_url="",
        likes=n,
        comments=0,
        shares=0,
        views=n * 10,
    )


@pytest.fixture
def brand(session: Session) -> Brand:
    return Brand(session, "brand")


def test_keyset_pages_walk_every_mention_once_newest_first(brand: Brand) -> None:
    source = brand.source("brandco", connected=NOW - timedelta(days=30))
    brand.found(source, *(video(n) for n in range(1, 51)))
    seen: list[str] = []
    cursor = ""
    while True:
        page = brand.page(cursor=cursor, limit=7)
        seen += [r.caption for r in page.rows]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == [f"video {n}" for n in range(1, 51)]


def test_two_videos_posted_the_same_second_are_both_paged(brand: Brand) -> None:
    source = brand.source("brandco", connected=NOW - timedelta(days=30))
    brand.found(source, *(video(n, hours_ago=5) for n in range(1, 6)))
    first = brand.page(limit=2)
    rest = brand.page(cursor=first.next_cursor, limit=10)
    assert len({r.id for r in (*first.rows, *rest.rows)}) == 5


def test_a_bad_cursor_starts_from_the_top(brand: Brand) -> None:
    source = brand.source("brandco", connected=NOW - timedelta(days=30))
    brand.found(source, video(1))
    for cursor in ("x", "1.2.3", "9" * 30 + ".1", "-1.5"):
        assert brand.captions(cursor=cursor) == ["video 1"]


def test_filters_by_source_date_rights_and_search(brand: Brand) -> None:
    v1 = brand.source("brand.v1", "tiktok_v1", connected=NOW - timedelta(days=30))
    v2 = brand.source("brand.v2", connected=NOW - timedelta(days=30))
    brand.found(v2, video(1, "maya", "Loving 100% @brandco"), video(30, "tom", "Cooking"))
    brand.found(v1, video(1, "maya", "Loving 100% @brandco"), video(60, "lina", "Paris_trip"))
    assert brand.captions(feed.FeedFilter(source_id=v1)) == ["Loving 100% @brandco", "Paris_trip"]
    assert brand.captions(feed.FeedFilter(source_id=v2)) == ["Loving 100% @brandco", "Cooking"]
    day = (NOW - timedelta(hours=30)).date()
    assert brand.captions(feed.FeedFilter(since=day, until=day)) == ["Cooking"]
    assert brand.captions(feed.FeedFilter(search="TOM")) == ["Cooking"], "handles, any case"
    assert brand.captions(feed.FeedFilter(search="100%")) == ["Loving 100% @brandco"]
    assert brand.captions(feed.FeedFilter(search="o_k")) == [], "_ is a letter, not a wildcard"
    assert brand.captions(feed.FeedFilter(search="paris_")) == ["Paris_trip"]

    row = brand.session.get(Mention, brand.page(feed.FeedFilter(search="Cooking")).rows[0].id)
    assert row is not None
    row.rights_status = "requested"
    brand.session.add(row)
    brand.session.flush()
    assert brand.captions(feed.FeedFilter(rights="requested")) == ["Cooking"]
    assert brand.captions(feed.FeedFilter(rights="none")) == ["Loving 100% @brandco", "Paris_trip"]
    assert brand.captions(feed.FeedFilter(rights="approved")) == []
    [both] = brand.page(feed.FeedFilter(search="Loving")).rows
    assert [f.handle for f in both.found_by] == ["brand.v1", "brand.v2"]


def test_url_values_that_make_no_sense_are_ignored_with_a_note_that_echoes_nothing() -> None:
    filters, notes = feed.parse_filters(
        {
            "source": "<script>",
            "from": "2026-13-40",
            "to": "yesterday",
            "rights": "<b>owned</b>",
            "q": "x" * 150,
        }
    )
    assert filters == feed.FeedFilter(search="x" * 100)
    assert len(notes) == 5
    assert not any("<" in n or "yesterday" in n or "owned" in n for n in notes)
    good, none = feed.parse_filters(
        {"source": "3", "from": "2026-11-20", "to": "2026-11-01", "rights": "none", "q": " a  b "}
    )
    assert good == feed.FeedFilter(3, date(2026, 11, 1), date(2026, 11, 20), "none", "a b")
    assert none == ["The start date was after the end date; they were swapped."]
    assert feed.parse_filters(good.query()) == (good, [])


def test_nothing_of_another_workspace_is_readable_with_its_ids(
    session: Session, brand: Brand
) -> None:
    other = Brand(session, "other")
    theirs = other.source("other", connected=NOW - timedelta(days=3))
    other.found(theirs, video(1, "secret.creator", "their secret"))
    mine = brand.source("brandco", connected=NOW - timedelta(days=3))
    brand.found(mine, video(2, "maya", "mine"))
    their_mention = other.page().rows[0].id

    # Their source id in my URL: ignored, with a note.
    checked, notes = feed.check_filter(
        session,
        workspace_id=brand.workspace_id,
        user_id=brand.user_id,
        filters=feed.FeedFilter(source_id=theirs),
    )
    assert checked.source_id is None and notes
    assert brand.captions(checked) == ["mine"]
    # Their creator id as a filter finds nothing of theirs.
    their_creator = other.page().rows[0].creator_id
    assert brand.captions(feed.FeedFilter(creator_id=their_creator)) == []
    # Their mention id: no rights status, no "new" count.
    rights = feed_live.rights_of(
        session, workspace_id=brand.workspace_id, user_id=brand.user_id, mention_ids=[their_mention]
    )
    assert rights == {}
    assert (
        feed_live.count_new(
            session,
            workspace_id=brand.workspace_id,
            user_id=brand.user_id,
            filters=feed.FeedFilter(),
            after_id=0,
        )
        == 1
    )
    gaps = feed_overview.coverage_gaps(
        session,
        workspace_id=brand.workspace_id,
        user_id=brand.user_id,
        start=date(2026, 11, 1),
        end=date(2026, 11, 23),
        now=NOW,
        source_id=theirs,
    )
    assert gaps == []
    # Someone who is not a member reads nothing at all.
    with pytest.raises(NotAllowed):
        feed.feed_page(
            session,
            workspace_id=other.workspace_id,
            user_id=brand.user_id,
            filters=feed.FeedFilter(),
        )
    with pytest.raises(NotAllowed):
        feed_overview.source_options(
            session, workspace_id=other.workspace_id, user_id=brand.user_id
        )


def test_new_mentions_are_counted_after_the_tab_read_its_page(brand: Brand) -> None:
    source = brand.source("brandco", connected=NOW - timedelta(days=30))
    brand.found(source, video(1, "maya"))
    seen = brand.page().newest_id
    brand.found(source, video(2, "tom"), video(3, "maya"), video(1, "maya"))

    def new(filters: feed.FeedFilter) -> int:
        return feed_live.count_new(
            brand.session,
            workspace_id=brand.workspace_id,
            user_id=brand.user_id,
            filters=filters,
            after_id=seen,
        )

    assert new(feed.FeedFilter()) == 2
    assert new(feed.FeedFilter(search="tom")) == 1, "only those the tab's filter shows"


def test_the_chart_counts_each_day_of_the_range_zeros_included(brand: Brand) -> None:
    source = brand.source("brandco", connected=NOW - timedelta(days=30))
    brand.found(source, video(1, hours_ago=1), video(2, hours_ago=2), video(3, hours_ago=49))
    days, clipped = feed_overview.per_day(
        brand.session,
        workspace_id=brand.workspace_id,
        user_id=brand.user_id,
        filters=feed.FeedFilter(),
        today=NOW.date(),
    )
    assert len(days) == 30 and not clipped
    assert days[-1] == feed_overview.DayCount(NOW.date(), 2)
    assert days[-3] == feed_overview.DayCount(NOW.date() - timedelta(days=2), 1)
    assert sum(d.count for d in days) == 3
    _, clipped = feed_overview.per_day(
        brand.session,
        workspace_id=brand.workspace_id,
        user_id=brand.user_id,
        filters=feed.FeedFilter(since=date(2020, 1, 1)),
        today=NOW.date(),
    )
    assert clipped


def test_gaps_name_what_no_poll_reached_before_connecting_and_while_disconnected(
    brand: Brand,
) -> None:
    """A v.2 source's first poll after a (re)connection reaches 90 days back (TIKTOK.md): the
    gap is what lies before that, and a short disconnection leaves none."""
    source_id = brand.source("brandco", connected=datetime(2026, 5, 5, 9, 0, tzinfo=UTC))
    source = brand.session.get(Source, source_id)
    assert source is not None

    def gaps_between(start: date, end: date) -> list[str]:
        return feed_overview.coverage_gaps(
            brand.session,
            workspace_id=brand.workspace_id,
            user_id=brand.user_id,
            start=start,
            end=end,
            now=NOW,
        )

    def goes(status: SourceStatus, at: datetime) -> None:
        set_status(brand.session, source=source, status=status, reason="r", now=at)

    goes(SourceStatus.disconnected, datetime(2026, 5, 10, 8, 0, tzinfo=UTC))
    goes(SourceStatus.active, datetime(2026, 5, 14, 18, 0, tzinfo=UTC))  # 4 days: all re-read
    goes(SourceStatus.disconnected, datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    goes(SourceStatus.active, datetime(2026, 10, 20, 0, 0, tzinfo=UTC))  # reaches back to Jul 22
    assert gaps_between(date(2026, 1, 1), date(2026, 11, 30)) == [
        "No mentions were collected from @brandco between Jan 1, 2026 and Feb 4, 2026.",
        "No mentions were collected from @brandco between Jun 1, 2026 and Jul 22, 2026.",
    ]
    assert gaps_between(date(2026, 11, 1), date(2026, 11, 30)) == []
    v1 = brand.source("brandv1", "tiktok_v1", connected=datetime(2026, 11, 5, 9, 0, tzinfo=UTC))
    assert v1
    assert gaps_between(date(2026, 9, 1), date(2026, 11, 30)) == [
        "No mentions were collected from @brandv1 between Sep 1, 2026 and Oct 6, 2026.",
    ], "a v.1 source's first poll reaches 30 days back"
    brand.session.add(
        SourceEvent(source_id=source_id, at=NOW - timedelta(hours=3), status="expired")
    )
    brand.session.flush()
    later = feed_overview.coverage_gaps(
        brand.session,
        workspace_id=brand.workspace_id,
        user_id=brand.user_id,
        start=date(2026, 11, 20),
        end=date(2026, 11, 30),
        now=NOW,
    )
    assert later == [
        "No mentions were collected from @brandco between "
        "Nov 23, 2026 at 09:00 UTC and Nov 23, 2026 at 12:00 UTC."
    ]


def test_search_follows_new_changed_and_removed_captions_and_short_terms(brand: Brand) -> None:
    source = brand.source("brandco", connected=NOW - timedelta(days=30))
    brand.found(source, video(1, "maya", "Golden hour"), video(2, "al", "rainy day"))
    assert brand.captions(feed.FeedFilter(search="GOLDEN")) == ["Golden hour"]
    brand.found(source, video(1, "maya", "Blue hour"))  # TikTok now shows another caption
    assert brand.captions(feed.FeedFilter(search="golden")) == []
    assert brand.captions(feed.FeedFilter(search="blue h")) == ["Blue hour"]
    assert brand.captions(feed.FeedFilter(search="al")) == ["rainy day"], "2 letters: a handle"
    assert brand.captions(feed.FeedFilter(search='"')) == []
    row = brand.session.get(Mention, brand.page(feed.FeedFilter(search="rainy")).rows[0].id)
    brand.session.delete(row)
    brand.session.flush()
    assert brand.captions(feed.FeedFilter(search="rainy")) == []


def test_search_pages_are_exact_for_common_and_rare_words_past_the_window(brand: Brand) -> None:
    source = brand.source("brandco", connected=NOW - timedelta(days=60))
    videos = [
        video(n, f"c{n % 9}", ("common " if n % 2 else "") + ("rare" if n > 580 else "x"))
        for n in range(1, 601)
    ]
    brand.found(source, *videos)

    def walk(term: str) -> list[str]:
        seen, cursor = [], ""
        while True:
            page = brand.page(feed.FeedFilter(search=term), cursor=cursor)
            seen += [r.video_id for r in page.rows]
            if not page.next_cursor:
                return seen
            cursor = page.next_cursor

    # Video n is n hours old: the list is already newest first.
    assert walk("common") == [v.item_id for v in videos if "common" in v.caption]
    assert walk("RARE") == [v.item_id for v in videos if "rare" in v.caption]
    assert walk("nowhere") == []
