"""What the Feed shows above the cards: mentions per day over the range, the sources to filter
by, and where collection had gaps ("No mentions were collected from @x between A and B").

A gap is a stretch of the range where a source was not collecting: before it was first
connected, and from each disconnection or expiry until it was active again (its
``SourceEvent`` history), less what the first poll after the (re)connection reached back to
(the kind's ``mention_history_days``: a source connected today still finds last week's
videos). Only the viewer's workspace is read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from archive_app import dates
from archive_app.integrations.tiktok.kinds import spec
from archive_app.models.mentions import Mention
from archive_app.models.sources import Source, SourceEvent, SourceStatus
from archive_app.services.mentions.feed import (
    FeedFilter,
    FeedPage,
    check_filter,
    conditions,
    day_start,
    dialect_of,
    feed_page,
)
from archive_app.services.team import require_member

CHART_DAYS = 30  # the chart's range when the filter has none
CHART_MAX_DAYS = 92
COLLECTING = {SourceStatus.active.value, SourceStatus.degraded.value}
STOPPED = {SourceStatus.disconnected.value, SourceStatus.expired.value}
MIN_GAP = timedelta(minutes=5)


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int


@dataclass(frozen=True)
class SourceOption:
    source_id: int
    label: str


@dataclass(frozen=True)
class Matches:
    """How many mentions the filter gives the list, and the UTC days of the oldest and newest."""

    total: int
    first_day: date | None
    last_day: date | None


def matches(session: Session, *, workspace_id: int, filters: FeedFilter) -> Matches:
    """The list's total, from the very WHERE the list pages through (feed.conditions)."""
    posted = col(Mention.posted_at)
    total, first, last = session.exec(
        select(func.count(), func.min(posted), func.max(posted)).where(
            *conditions(workspace_id, filters, dialect=dialect_of(session))
        )
    ).one()
    return Matches(
        int(total or 0),
        _utc_day(first) if first is not None else None,
        _utc_day(last) if last is not None else None,
    )


def _utc_day(value: object) -> date:
    if isinstance(value, datetime):
        return (value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)).date()
    return date.fromisoformat(str(value)[:10])


def chart_range(
    filters: FeedFilter, *, today: date, found: Matches | None = None
) -> tuple[date, date, bool]:
    """(first day, last day, clipped): the days the list covers, at most 92 of them.

    The list's range is the filter's; an open end is where the matching mentions are (from the
    oldest one, up to today). A longer range shows its last 92 days, except that with no end
    date and no mention in the last 92 days (the clock moved on) it ends on the newest mention's
    day, or 92 days after the oldest. With no mention at all, the last 30 days."""
    first = found.first_day if found else None
    last = found.last_day if found else None
    end = filters.until or max(today, last or today)
    start = filters.since or first or (end - timedelta(days=CHART_DAYS - 1))
    start = min(start, end)
    if (end - start).days + 1 <= CHART_MAX_DAYS:
        return start, end, False
    window = timedelta(days=CHART_MAX_DAYS - 1)
    if filters.until is None and last is not None and last < end - window:
        end = max(last, start + window)  # the newest mention is older than the last 92 days
    return max(start, end - window), end, max(start, end - window) > start


def per_day(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    filters: FeedFilter,
    today: date,
    found: Matches | None = None,
) -> tuple[list[DayCount], bool]:
    """Mentions per UTC day over the chart's range (every day, zeros included); the filter's
    other parts (source, rights, search, creator) apply too."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    start, end, clipped = chart_range(filters, today=today, found=found)
    ranged = replace(filters, since=start, until=end)
    bind = session.get_bind()
    posted = col(Mention.posted_at)
    if bind.dialect.name == "postgresql":
        day = func.date(func.timezone("UTC", posted))
    else:
        day = func.date(posted)
    counts: dict[date, int] = {}
    for raw, count in session.exec(
        select(day, func.count())
        .where(*conditions(workspace_id, ranged, dialect=bind.dialect.name))
        .group_by(day)
    ).all():
        key = raw if isinstance(raw, date) else date.fromisoformat(str(raw)[:10])
        counts[key] = int(count)
    days = (end - start).days + 1
    return [
        DayCount(d, counts.get(d, 0)) for d in (start + timedelta(days=n) for n in range(days))
    ], clipped


def source_options(session: Session, *, workspace_id: int, user_id: int) -> list[SourceOption]:
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    sources = session.exec(
        select(Source)
        .where(Source.workspace_id == workspace_id, Source.status != SourceStatus.connecting)
        .order_by(col(Source.id))
    ).all()
    return [SourceOption(s.id or 0, f"@{s.handle} ({spec(s.kind).display_name})") for s in sources]


def _format(start: datetime, end: datetime) -> tuple[str, str]:
    if start.date() == end.date() or end - start < timedelta(days=2):
        return dates.day_time(start), dates.day_time(end)
    return dates.day(start), dates.day(end)


def coverage_gaps(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    start: date,
    end: date,
    now: datetime,
    source_id: int | None = None,
) -> list[str]:
    """One sentence per stretch of ``start..end`` (UTC days) a source was not collecting."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    window_start = day_start(start)
    window_end = min(day_start(end + timedelta(days=1)), now)
    query = select(Source).where(
        Source.workspace_id == workspace_id, Source.status != SourceStatus.connecting
    )
    if source_id is not None:
        query = query.where(Source.id == source_id)
    notes = []
    for source in session.exec(query.order_by(col(Source.id))).all():
        events = session.exec(
            select(SourceEvent)
            .where(SourceEvent.source_id == source.id)
            .order_by(col(SourceEvent.at), col(SourceEvent.id))
        ).all()
        stopped_at: datetime | None = None  # None before the first connection: "since ever"
        collecting = False
        gaps: list[tuple[datetime | None, datetime]] = []
        reach = timedelta(days=spec(source.kind).mention_history_days)
        for event in events:
            if event.status in COLLECTING and not collecting:
                gaps.append((stopped_at, event.at - reach))
                collecting = True
            elif event.status in STOPPED and collecting:
                stopped_at, collecting = event.at, False
        if not collecting and gaps:
            gaps.append((stopped_at, window_end))
        for gap_start, gap_end in gaps:
            a = max(gap_start or window_start, window_start)
            b = min(gap_end, window_end)
            if b - a >= MIN_GAP:
                first, last = _format(a, b)
                notes.append(
                    f"No mentions were collected from @{source.handle} between {first} and {last}."
                )
    return notes


@dataclass(frozen=True)
class FeedView:
    """Everything a Feed tab shows when it loads (or its filters change)."""

    filters: FeedFilter
    notes: tuple[str, ...]
    page: FeedPage
    days: tuple[DayCount, ...]
    chart_clipped: bool
    gaps: tuple[str, ...]
    sources: tuple[SourceOption, ...]
    total: int = 0


def load_feed(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    filters: FeedFilter,
    now: datetime,
    overview: bool = True,
) -> FeedView:
    """The first page, and (``overview``) the chart, the gaps and the source choices."""
    filters, notes = check_filter(
        session, workspace_id=workspace_id, user_id=user_id, filters=filters
    )
    page = feed_page(session, workspace_id=workspace_id, user_id=user_id, filters=filters)
    found = matches(session, workspace_id=workspace_id, filters=filters)
    if not overview:
        return FeedView(filters, tuple(notes), page, (), False, (), (), found.total)
    ids = {"workspace_id": workspace_id, "user_id": user_id}
    today = now.date()
    days, clipped = per_day(session, **ids, filters=filters, today=today, found=found)
    start, end, _ = chart_range(filters, today=today, found=found)
    gaps = coverage_gaps(session, **ids, start=start, end=end, now=now, source_id=filters.source_id)
    sources = source_options(session, **ids)
    return FeedView(
        filters,
        tuple(notes),
        page,
        tuple(days),
        clipped,
        tuple(gaps),
        tuple(sources),
        found.total,
    )
