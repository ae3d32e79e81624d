"""The Feed's numbers add up (issue 21, item 6): the total is the number of cards the list
pages through under the same filter, and the chart covers the list's days, whenever "today" is."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session

from archive_app import dates
from archive_app.services.mentions import feed, feed_overview
from archive_app.states.feed_views import chart_summary
from tests.services.test_feed import NOW, Brand, video


@pytest.fixture
def brand(session: Session) -> Brand:
    return Brand(session, "brand")


def _walk(brand: Brand, filters: feed.FeedFilter) -> int:
    seen, cursor = 0, ""
    while True:
        page = brand.page(filters, cursor=cursor, limit=7)
        seen += len(page.rows)
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor


def _days(brand: Brand, filters: feed.FeedFilter, today: date) -> list[feed_overview.DayCount]:
    found = feed_overview.matches(brand.session, workspace_id=brand.workspace_id, filters=filters)
    days, _ = feed_overview.per_day(
        brand.session,
        workspace_id=brand.workspace_id,
        user_id=brand.user_id,
        filters=filters,
        today=today,
        found=found,
    )
    return days


@pytest.mark.parametrize(
    "filters",
    [
        feed.FeedFilter(),
        feed.FeedFilter(search="tom.cooks"),  # the trigram index on SQLite
        feed.FeedFilter(search="to"),  # too short for trigrams: LIKE
        feed.FeedFilter(search="review"),
        feed.FeedFilter(since=date(2026, 10, 1), until=date(2026, 11, 1)),
        feed.FeedFilter(rights="none"),
    ],
    ids=["all", "handle", "short", "caption", "dates", "rights"],
)
def test_the_total_is_the_number_of_cards_the_list_pages_through(
    brand: Brand, filters: feed.FeedFilter
) -> None:
    source = brand.source("brandco", connected=NOW - timedelta(days=400))
    videos = [
        video(
            n,
            "tom.cooks" if n % 3 == 0 else "maya",
            "honest review" if n % 4 == 0 else "",
            hours_ago=n * 30,
        )
        for n in range(1, 61)
    ]
    brand.found(source, *videos)
    found = feed_overview.matches(brand.session, workspace_id=brand.workspace_id, filters=filters)
    assert found.total == _walk(brand, filters) > 0


def test_after_the_clock_moves_on_the_chart_still_covers_every_mention_of_the_list(
    brand: Brand,
) -> None:
    """The demo's 36 videos of a month, read 180 days later: not "0 mentions" over an empty
    chart above 36 cards, but a chart from the oldest mention that holds all of them."""
    source = brand.source("brandco", connected=NOW - timedelta(days=60))
    brand.found(source, *(video(n, hours_ago=5 + n * 20) for n in range(36)))
    later = NOW.date() + timedelta(days=180)
    days = _days(brand, feed.FeedFilter(), later)
    assert len(days) == 92
    assert days[0].day == (NOW - timedelta(hours=5 + 35 * 20)).date()
    assert sum(d.count for d in days) == 36
    summary = chart_summary(tuple(days), 36)
    assert summary.startswith("The chart shows ") and summary.endswith(": all 36 mentions.")


def test_a_list_longer_than_the_chart_says_which_days_the_chart_shows_and_how_many_of_the_total(
    brand: Brand,
) -> None:
    source = brand.source("brandco", connected=NOW - timedelta(days=400))
    brand.found(source, *(video(n, hours_ago=n * 24 * 5) for n in range(1, 41)))  # 200 days
    days = _days(brand, feed.FeedFilter(), NOW.date())
    assert len(days) == 92 and days[-1].day == NOW.date()
    shown = sum(d.count for d in days)
    assert 0 < shown < 40
    first = dates.month_day(days[0].day)
    assert chart_summary(tuple(days), 40) == (
        f"The chart shows {first} to Nov 23, 2026: {shown} of the 40 mentions."
    )
