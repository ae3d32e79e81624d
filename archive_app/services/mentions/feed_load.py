"""A Feed tab's first load: its cards, then (or with them) its total, chart and coverage gaps.

A search's cards come first and its counts after (:func:`counts_later`): every other filter
counts from kept counts or a small index in a few ms (``feed_overview.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from archive_app.models.sources import Source
from archive_app.services.mentions.feed import FeedFilter, FeedPage, check_filter, checked_page
from archive_app.services.mentions.feed_gaps import gaps_of
from archive_app.services.mentions.feed_overview import (
    DayCount,
    Matches,
    SourceOption,
    chart_range,
    count_per_day,
    matches,
    options_of,
    workspace_sources,
)


@dataclass(frozen=True)
class FeedCounts:
    """The total, the chart and the coverage gaps of a Feed tab's filter."""

    total: int
    days: tuple[DayCount, ...] = ()
    chart_clipped: bool = False
    gaps: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedView:
    """Everything a Feed tab shows when it loads (or its filters change). ``counts`` is None
    when they are left for :func:`count_feed` (:func:`counts_later`)."""

    filters: FeedFilter
    notes: tuple[str, ...]
    page: FeedPage
    sources: tuple[SourceOption, ...]
    counts: FeedCounts | None


def counts_later(filters: FeedFilter) -> bool:
    """Whether a tab should show its cards before counting them: a search's total and chart
    count every match (a word in a quarter of a million captions: 0.3-0.6 s), where the cards
    are the 25 newest (a few ms). Other filters count from kept counts or a small index."""
    return filters.search != ""


def load_feed(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    filters: FeedFilter,
    now: datetime,
    overview: bool = True,
    counted: bool = True,
) -> FeedView:
    """The first page, the source choices (``overview``) and, when ``counted``, what
    :func:`count_feed` gives."""
    filters, notes = check_filter(
        session, workspace_id=workspace_id, user_id=user_id, filters=filters
    )
    page = checked_page(session, workspace_id=workspace_id, filters=filters)
    sources = workspace_sources(session, workspace_id) if overview else []
    counts = (
        _counts(session, workspace_id, filters, now=now, overview=overview, sources=sources)
        if counted
        else None
    )
    return FeedView(filters, tuple(notes), page, tuple(options_of(sources)), counts)


def count_feed(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    filters: FeedFilter,
    now: datetime,
    overview: bool = True,
) -> FeedCounts:
    """The total of the list ``filters`` gives and (``overview``) its chart and gaps."""
    filters, _ = check_filter(session, workspace_id=workspace_id, user_id=user_id, filters=filters)
    sources = workspace_sources(session, workspace_id) if overview else []
    return _counts(session, workspace_id, filters, now=now, overview=overview, sources=sources)


def _counts(
    session: Session,
    workspace_id: int,
    filters: FeedFilter,
    *,
    now: datetime,
    overview: bool,
    sources: list[Source],
) -> FeedCounts:
    today = now.date()
    # With both dates and at most CHART_MAX_DAYS, the chart's days are the list's: they give
    # the total too (one scan of the matching rows, not two).
    whole = bool(overview and filters.since and filters.until)
    whole = whole and not chart_range(filters, today=today)[2]
    if whole:
        days, clipped = count_per_day(
            session, workspace_id=workspace_id, filters=filters, today=today
        )
        shown = [d.day for d in days if d.count]
        found = Matches(
            sum(d.count for d in days), min(shown, default=None), max(shown, default=None)
        )
    else:
        found = matches(session, workspace_id=workspace_id, filters=filters)
    if not overview:
        return FeedCounts(found.total)
    if not whole:
        days, clipped = count_per_day(
            session, workspace_id=workspace_id, filters=filters, today=today, found=found
        )
    start, end, _ = chart_range(filters, today=today, found=found)
    chosen = [s for s in sources if filters.source_id in (None, s.id)]
    gaps = gaps_of(session, chosen, start=start, end=end, now=now)
    return FeedCounts(found.total, tuple(days), clipped, tuple(gaps))
