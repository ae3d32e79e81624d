"""What the Feed shows above the cards: mentions per day over the range, the sources to filter
by, and where collection had gaps (``feed_gaps.py``). Only the viewer's workspace is read;
:func:`load_feed` checks the membership once and reads the sources once for the whole view.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from archive_app.integrations.tiktok.kinds import spec
from archive_app.models.mention_days import MentionDay
from archive_app.models.mentions import Mention
from archive_app.models.sources import Source, SourceStatus
from archive_app.services.mentions.feed import (
    FeedFilter,
    conditions,
    dialect_of,
)
from archive_app.services.mentions.feed_gaps import gaps_of
from archive_app.services.team import require_member

CHART_DAYS = 30  # the chart's range when the filter has none
CHART_MAX_DAYS = 92


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
    # Every day's count, when they were added up to get the total (the chart reuses them).
    days: dict[date, int] | None = field(default=None, compare=False)


def _kept(filters: FeedFilter) -> bool:
    """Whether nothing but dates, one source, one rights status and "hide removed videos"
    filters the list: then ``mention_days`` has the counts, less the removed videos' when they
    are hidden (a search, a creator or "only removed videos" count the rows)."""
    bare = replace(filters, since=None, until=None, source_id=None, rights="")
    return bare in (FeedFilter(), FeedFilter(removed="hide"))


def _kept_days(session: Session, workspace_id: int, filters: FeedFilter) -> dict[date, int]:
    """Per UTC day, from the kept counts: every mention, less the removed videos (their own
    index, ``ix_mentions_removed``) when the filter hides them."""
    day = col(MentionDay.day)
    kept = select(day, func.sum(MentionDay.mentions)).where(*_days(workspace_id, filters))
    counts = {d: int(n) for d, n in session.exec(kept.group_by(day)).all()}
    if filters.removed == "hide":
        removed = replace(filters, removed="only")
        for d, n in _count_days(session, workspace_id=workspace_id, filters=removed).items():
            counts[d] = counts.get(d, 0) - n
    return {d: n for d, n in counts.items() if n > 0}


def _days(workspace_id: int, filters: FeedFilter) -> list[ColumnElement[bool]]:
    where = [
        col(MentionDay.workspace_id) == workspace_id,
        col(MentionDay.source_id) == (filters.source_id or 0),  # 0: any source
        col(MentionDay.mentions) > 0,
    ]
    if filters.since is not None:
        where.append(col(MentionDay.day) >= filters.since)
    if filters.until is not None:
        where.append(col(MentionDay.day) <= filters.until)
    if filters.rights:
        status = "" if filters.rights == "none" else filters.rights
        where.append(col(MentionDay.rights_status) == status)
    return where


def matches(session: Session, *, workspace_id: int, filters: FeedFilter) -> Matches:
    """The list's total, from the very WHERE the list pages through (feed.conditions), or with
    no filter but dates, source and rights status from the kept counts (models/mention_days.py)."""
    if _kept(filters) and filters.removed == "hide":
        days = _kept_days(session, workspace_id, filters)
        return Matches(sum(days.values()), min(days, default=None), max(days, default=None), days)
    if _kept(filters):
        day = col(MentionDay.day)
        total, first_day, last_day = session.exec(
            select(func.sum(MentionDay.mentions), func.min(day), func.max(day)).where(
                *_days(workspace_id, filters)
            )
        ).one()
        return Matches(int(total or 0), first_day, last_day)
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
    return count_per_day(
        session, workspace_id=workspace_id, filters=filters, today=today, found=found
    )


def count_per_day(
    session: Session,
    *,
    workspace_id: int,
    filters: FeedFilter,
    today: date,
    found: Matches | None = None,
) -> tuple[list[DayCount], bool]:
    start, end, clipped = chart_range(filters, today=today, found=found)
    ranged = replace(filters, since=start, until=end)
    if found is not None and found.days is not None:
        counts = {d: n for d, n in found.days.items() if start <= d <= end}
    elif _kept(filters):
        counts = _kept_days(session, workspace_id, ranged)
    else:
        counts = _count_days(session, workspace_id=workspace_id, filters=ranged)
    days = (end - start).days + 1
    return [
        DayCount(d, counts.get(d, 0)) for d in (start + timedelta(days=n) for n in range(days))
    ], clipped


def _count_days(session: Session, *, workspace_id: int, filters: FeedFilter) -> dict[date, int]:
    bind = session.get_bind()
    posted = col(Mention.posted_at)
    if bind.dialect.name == "postgresql":
        day = func.date(func.timezone("UTC", posted))
    else:
        day = func.date(posted)
    counts: dict[date, int] = {}
    for raw, count in session.exec(
        select(day, func.count())
        .where(*conditions(workspace_id, filters, dialect=bind.dialect.name))
        .group_by(day)
    ).all():
        key = raw if isinstance(raw, date) else date.fromisoformat(str(raw)[:10])
        counts[key] = int(count)
    return counts


def workspace_sources(session: Session, workspace_id: int) -> list[Source]:
    return list(
        session.exec(
            select(Source)
            .where(Source.workspace_id == workspace_id, Source.status != SourceStatus.connecting)
            .order_by(col(Source.id))
        ).all()
    )


def options_of(sources: list[Source]) -> list[SourceOption]:
    return [SourceOption(s.id or 0, f"@{s.handle} ({spec(s.kind).display_name})") for s in sources]


def source_options(session: Session, *, workspace_id: int, user_id: int) -> list[SourceOption]:
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    return options_of(workspace_sources(session, workspace_id))


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
    sources = workspace_sources(session, workspace_id)
    if source_id is not None:
        sources = [s for s in sources if s.id == source_id]
    return gaps_of(session, sources, start=start, end=end, now=now)
