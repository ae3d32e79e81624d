"""Where collection had gaps ("No mentions were collected from @x between A and B"), for the
Feed's overview (``feed_overview.py``).

A gap is a stretch of the range where a source was not collecting: before it was first
connected, and from each disconnection or expiry until it was active again (its
``SourceEvent`` history), less what the first poll after the (re)connection reached back to
(the kind's ``mention_history_days``: a source connected today still finds last week's
videos). Every source's history is read in one query.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from archive_app import dates
from archive_app.integrations.tiktok.kinds import spec
from archive_app.models.sources import Source, SourceEvent, SourceStatus
from archive_app.services.mentions.feed import day_start

COLLECTING = {SourceStatus.active.value, SourceStatus.degraded.value}
STOPPED = {SourceStatus.disconnected.value, SourceStatus.expired.value}
MIN_GAP = timedelta(minutes=5)


def _format(start: datetime, end: datetime) -> tuple[str, str]:
    if start.date() == end.date() or end - start < timedelta(days=2):
        return dates.day_time(start), dates.day_time(end)
    return dates.day(start), dates.day(end)


def _events(session: Session, sources: Sequence[Source]) -> dict[int, list[SourceEvent]]:
    ids = [s.id for s in sources if s.id is not None]
    by_source: dict[int, list[SourceEvent]] = {i: [] for i in ids}
    if ids:
        for event in session.exec(
            select(SourceEvent)
            .where(col(SourceEvent.source_id).in_(ids))
            .order_by(col(SourceEvent.at), col(SourceEvent.id))
        ).all():
            by_source[event.source_id].append(event)
    return by_source


def gaps_of(
    session: Session, sources: Sequence[Source], *, start: date, end: date, now: datetime
) -> list[str]:
    """One sentence per stretch of ``start..end`` (UTC days) one of ``sources`` (in their
    order) was not collecting."""
    window_start = day_start(start)
    window_end = min(day_start(end + timedelta(days=1)), now)
    events_of = _events(session, sources)
    notes = []
    for source in sources:
        stopped_at: datetime | None = None  # None before the first connection: "since ever"
        collecting = False
        gaps: list[tuple[datetime | None, datetime]] = []
        reach = timedelta(days=spec(source.kind).mention_history_days)
        for event in events_of.get(source.id or 0, []):
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
