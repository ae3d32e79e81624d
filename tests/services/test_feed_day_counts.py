"""The per-day counts the Feed's total and chart read with no filter but dates
(``models/mention_days.py``) follow every write to ``mentions``: ingest, a moved ``posted_at``,
a delete, another workspace's rows; on SQLite and PostgreSQL (their triggers differ)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from archive_app.models.mentions import Mention
from archive_app.services.mentions import feed, feed_overview
from tests.services.test_feed import NOW, Brand, video


def _counted(brand: Brand, since: date | None = None, until: date | None = None) -> dict:
    """What the Feed shows (the per-day rows) next to a plain count of the mentions."""
    filters = feed.FeedFilter(since=since, until=until)
    found = feed_overview.matches(brand.session, workspace_id=brand.workspace_id, filters=filters)
    days, _ = feed_overview.per_day(
        brand.session,
        workspace_id=brand.workspace_id,
        user_id=brand.user_id,
        filters=filters,
        today=NOW.date(),
        found=found,
    )
    where = [col(Mention.workspace_id) == brand.workspace_id]
    if since:
        where.append(col(Mention.posted_at) >= feed.day_start(since))
    if until:
        where.append(col(Mention.posted_at) < feed.day_start(until + timedelta(days=1)))
    rows = brand.session.exec(select(Mention.posted_at).where(*where)).all()
    by_day: dict[date, int] = {}
    for posted in rows:
        by_day[posted.date()] = by_day.get(posted.date(), 0) + 1
    return {
        "total": found.total,
        "counted": len(rows),
        "first": found.first_day,
        "last": found.last_day,
        "oldest": min(by_day, default=None),
        "newest": max(by_day, default=None),
        "chart": {d.day: d.count for d in days if d.count},
        "chart_counted": {d: n for d, n in by_day.items() if days[0].day <= d <= days[-1].day},
    }


def _agree(result: dict) -> None:
    assert result["total"] == result["counted"]
    assert (result["first"], result["last"]) == (result["oldest"], result["newest"])
    assert result["chart"] == result["chart_counted"]


def test_the_total_and_chart_follow_ingest_moves_and_deletes(session: Session) -> None:
    brand, other = Brand(session, "brand"), Brand(session, "other")
    source = brand.source("brandco", connected=NOW - timedelta(days=400))
    brand.found(source, *(video(n, hours_ago=n * 7) for n in range(1, 41)))
    other_source = other.source("otherco", connected=NOW - timedelta(days=400))
    other.found(other_source, *(video(n, hours_ago=n * 5) for n in range(1, 11)))
    first = _counted(brand)
    assert first["total"] == 40
    _agree(first)

    # A video's posted_at moves to another day (one day less, one day more), then two go.
    moved = session.exec(
        select(Mention).where(Mention.workspace_id == brand.workspace_id, Mention.video_id == "v3")
    ).one()
    session.execute(
        update(Mention)
        .where(col(Mention.id) == moved.id)
        .values(posted_at=NOW - timedelta(days=20, hours=1))
    )
    session.execute(
        delete(Mention).where(
            col(Mention.workspace_id) == brand.workspace_id,
            col(Mention.video_id).in_(["v10", "v11"]),
        )
    )
    session.flush()
    after = _counted(brand)
    assert after["total"] == 38
    assert after["chart"].get((NOW - timedelta(days=20, hours=1)).date()) == 1
    _agree(after)
    _agree(_counted(brand, since=NOW.date() - timedelta(days=5), until=NOW.date()))
    assert _counted(other)["total"] == 10  # the other workspace's rows are its own


def test_with_no_mentions_yet_or_left_the_total_is_zero_and_no_day_is_shown(
    session: Session,
) -> None:
    brand = Brand(session, "empty")
    result = _counted(brand)
    assert (result["total"], result["first"], result["last"]) == (0, None, None)
    assert result["chart"] == {}
    # The day rows stay (at zero) once every mention of a day is gone: still nothing shown.
    source = brand.source("brandco", connected=NOW - timedelta(days=400))
    brand.found(source, video(1))
    session.execute(delete(Mention).where(col(Mention.workspace_id) == brand.workspace_id))
    session.flush()
    gone = _counted(brand)
    assert (gone["total"], gone["first"], gone["chart"]) == (0, None, {})
