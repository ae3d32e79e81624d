"""The counts kept per day, source and rights status (``models/mention_days.py``) give the
Feed's total and chart for filters of dates, one source, one rights status and "hide removed
videos" (less the removed ones, ``ix_mentions_removed``): after every kind of write they equal
a count of the rows the list pages through (``feed.conditions``), on SQLite and PostgreSQL
(their triggers differ)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import product

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from archive_app.models.mention_days import MentionDay
from archive_app.models.mentions import Mention, MentionFind
from archive_app.services.mentions import feed, feed_overview
from tests.services.test_feed import NOW, Brand, video

RIGHTS = ("", "none", "in_queue", "approved", "declined")


def _ids(session: Session, brand: Brand, *numbers: int) -> list[int]:
    videos = [f"v{n}" for n in numbers]
    return list(
        session.exec(
            select(Mention.id).where(
                Mention.workspace_id == brand.workspace_id, col(Mention.video_id).in_(videos)
            )
        ).all()
    )


def _kept_and_counted(brand: Brand, filters: feed.FeedFilter) -> tuple[tuple, tuple]:
    """(total, first day, last day, chart) from the kept counts, and the same from the rows."""
    s, ws = brand.session, brand.workspace_id
    found = feed_overview.matches(s, workspace_id=ws, filters=filters)
    days, _ = feed_overview.per_day(
        s, workspace_id=ws, user_id=brand.user_id, filters=filters, today=NOW.date(), found=found
    )
    chart = {d.day: d.count for d in days if d.count}
    rows = feed_overview._count_days(s, workspace_id=ws, filters=filters)
    total = s.exec(select(func.count()).where(*feed.conditions(ws, filters))).one()
    in_chart = {d: n for d, n in rows.items() if days[0].day <= d <= days[-1].day}
    kept = (found.total, found.first_day, found.last_day, chart)
    counted = (total, min(rows, default=None), max(rows, default=None), in_chart)
    return kept, counted


def _all_agree(brand: Brand, sources: list[int]) -> int:
    """Every source (or none) × every rights filter × with and without dates; the number of
    filters that had at least one mention (so the check is not of empty lists)."""
    with_mentions = 0
    since, until = (NOW - timedelta(days=1)).date(), NOW.date()
    for source_id, rights, dated, removed in product(
        [None, *sources], RIGHTS, (False, True), ("", "hide")
    ):
        filters = feed.FeedFilter(source_id=source_id, rights=rights, removed=removed)
        if dated:
            filters = replace(filters, since=since, until=until)
        assert feed_overview._kept(filters)
        kept, counted = _kept_and_counted(brand, filters)
        assert kept == counted, filters
        with_mentions += counted[0] > 0
    return with_mentions


def test_kept_counts_equal_row_counts_after_finds_status_changes_moves_and_deletes(
    session: Session,
) -> None:
    brand, other = Brand(session, "brand"), Brand(session, "other")
    first = brand.source("brandco", connected=NOW - timedelta(days=400))
    second = brand.source("brandtwo", connected=NOW - timedelta(days=400))
    brand.found(first, *(video(n, hours_ago=n * 3) for n in range(1, 31)))
    # v20..v30 found a second time, by the other source: once in "any", once per source.
    brand.found(second, *(video(n, hours_ago=n * 3) for n in range(20, 41)))
    other_source = other.source("otherco", connected=NOW - timedelta(days=400))
    other.found(other_source, *(video(n, hours_ago=n * 2) for n in range(1, 21)))
    sources = [first, second]
    assert _all_agree(brand, sources) >= 6
    every = feed_overview.matches(
        session, workspace_id=brand.workspace_id, filters=feed.FeedFilter()
    )
    assert every.total == 40

    # Rights statuses change the way the services write them (one UPDATE over the videos).
    session.execute(
        update(Mention)
        .where(col(Mention.id).in_(_ids(session, brand, *range(1, 11), 25)))
        .values(rights_status="in_queue")
    )
    session.execute(
        update(Mention)
        .where(col(Mention.id).in_(_ids(session, brand, 3, 25, 26)))
        .values(rights_status="approved")
    )
    assert _all_agree(brand, sources) >= 12

    # Videos gone from TikTok: the newest, the first source's oldest, an approved one.
    session.execute(
        update(Mention)
        .where(col(Mention.id).in_(_ids(session, brand, 1, 30, 26)))
        .values(removed_at=datetime(2026, 11, 23, tzinfo=UTC))
    )
    hidden = feed_overview.matches(
        session, workspace_id=brand.workspace_id, filters=feed.FeedFilter(removed="hide")
    )
    assert hidden.total == 37
    assert _all_agree(brand, sources) >= 12

    # A posted_at moves to another day; a find goes alone; two mentions go with their finds.
    session.execute(
        update(Mention)
        .where(col(Mention.id).in_(_ids(session, brand, 22)))
        .values(posted_at=NOW - timedelta(days=9))
    )
    (find_gone,) = _ids(session, brand, 30)
    session.execute(
        delete(MentionFind).where(
            col(MentionFind.mention_id) == find_gone, col(MentionFind.source_id) == second
        )
    )
    session.execute(delete(Mention).where(col(Mention.id).in_(_ids(session, brand, 5, 25))))
    assert _all_agree(brand, sources) >= 12
    approved = feed.FeedFilter(source_id=second, rights="approved")
    kept, _ = _kept_and_counted(brand, approved)
    assert kept[0] == 1  # v26 alone: v25 is gone, v3 was found by the first source only

    # The other workspace's counts never moved.
    assert _all_agree(other, [other_source]) >= 4


def test_deleting_a_sources_finds_takes_them_from_its_counts_not_from_any_source(
    session: Session,
) -> None:
    brand = Brand(session, "brand")
    first = brand.source("brandco", connected=NOW - timedelta(days=400))
    second = brand.source("brandtwo", connected=NOW - timedelta(days=400))
    brand.found(first, *(video(n) for n in range(1, 6)))
    brand.found(second, *(video(n) for n in range(4, 9)))
    session.execute(delete(MentionFind).where(col(MentionFind.source_id) == second))
    kept = session.exec(
        select(MentionDay.source_id, func.sum(MentionDay.mentions))
        .where(MentionDay.workspace_id == brand.workspace_id)
        .group_by(col(MentionDay.source_id))
    ).all()
    assert dict(kept) == {0: 8, first: 5, second: 0}
    assert _all_agree(brand, [first, second]) >= 3
