"""A search page comes from the search index read newest first (on SQLite its key is
posted_at's second, then the id: ``feed_search.sqlite_page``) merged with the mentions of the
creators whose handle matches: pages must be exactly the Feed's order, ties within a second
included (PostgreSQL's one query gives the same)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from archive_app.models.mentions import Mention
from archive_app.services.mentions import feed
from tests.services.test_feed import NOW, Brand, video


def _walk(brand: Brand, term: str, limit: int) -> list[int]:
    seen: list[int] = []
    cursor = ""
    while True:
        page = brand.page(feed.FeedFilter(search=term), cursor=cursor, limit=limit)
        seen += [r.id for r in page.rows]
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor


def _in_feed_order(session: Session, brand: Brand, term: str) -> list[int]:
    """The matching ids as SQL orders them: posted_at, then id, newest first."""
    pattern = f"%{term}%"
    return list(
        session.exec(
            select(Mention.id)
            .where(
                Mention.workspace_id == brand.workspace_id,
                col(Mention.caption).ilike(pattern) | col(Mention.creator_handle).ilike(pattern),
            )
            .order_by(col(Mention.posted_at).desc(), col(Mention.id).desc())
        ).all()
    )


@pytest.mark.parametrize("limit", [1, 4, 24])
def test_search_pages_follow_the_feeds_order_with_ties_in_a_second_and_handles(
    session: Session, limit: int
) -> None:
    brand = Brand(session, "brand")
    source = brand.source("brandco", connected=NOW - timedelta(days=60))
    videos = []
    for n in range(1, 91):
        # Five videos a second, a few microseconds apart (the older of two has the higher id:
        # they are found in reverse), the word in most captions, a handle with it.
        posted = NOW - timedelta(hours=n // 5) + timedelta(microseconds=(n % 5) * 7)
        handle = "sunsetfan" if n % 7 == 0 else f"c{n % 5}"
        v = video(n, handle, "Sunset walk" if n % 6 else f"plain {n}")
        videos.append(replace(v, created_at=posted))
    brand.found(source, *reversed(videos))  # ids in the opposite order of posted_at
    expected = _in_feed_order(session, brand, "sunset")
    assert len(expected) > 70
    assert _walk(brand, "SUNSET", limit) == expected
    assert _walk(brand, "nowhere", limit) == []


@pytest.mark.parametrize("limit", [2, 5])
def test_search_pages_spread_over_weeks_follow_the_feeds_order(
    session: Session, limit: int
) -> None:
    """A few matches a week over two months, each at its own time: every page, read with
    the cursor, is the next slice of the Feed's order."""
    brand = Brand(session, "brand")
    source = brand.source("brandco", connected=NOW - timedelta(days=90))
    videos = []
    for n in range(1, 61):
        caption = "Harbour lights" if n % 3 == 0 else f"plain {n}"
        v = video(n, f"c{n % 4}", caption)
        videos.append(replace(v, created_at=NOW - timedelta(days=n, hours=n % 5)))
    brand.found(source, *videos)
    expected = _in_feed_order(session, brand, "harbour")
    assert len(expected) == 20
    assert _walk(brand, "harbour", limit) == expected
