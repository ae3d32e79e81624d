"""The Feed at 100,000 mentions: ``make bench-feed`` (``python -m bench.feed [--pg URL]
[--chromium]``).

Seeds one workspace with 100,000 mentions by 2,000 creators, found by 3 sources (a v.1 and
two v.2; a third of the videos found by two of them), spread over a year, with 3,000
usage-rights requests; then times, 50 runs each, the service calls a page makes:

- the Feed's first page; a filtered page (one source, "No request", a 60-day range); a deep
  page (the cursor of the 3,000th mention); a search (a word in about 1 % of captions);
- a tab's whole first load (first page, chart, coverage gaps, source choices);
- the Manage Rights table (``services.rights_manage.list_requests``, the rights helper's query).

On SQLite (a temp file) and, with ``--pg URL`` (or ``ARCHIVE_DATABASE_URL``), on a throw-away
PostgreSQL database. ``--chromium`` also starts the app on that data (SQLite) and times, in
Chromium, the click on "Feed" until the first card is drawn.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text
from sqlmodel import Session, SQLModel, col, select

import archive_app.models  # noqa: F401  (every table)
from archive_app.db import make_engine
from archive_app.models.mentions import Creator, Mention, MentionFind
from archive_app.models.rights import RightsRequest, RightsRequestMention
from archive_app.models.sources import Source, SourceEvent
from archive_app.services import demo
from archive_app.services.mentions import feed, feed_cursor, feed_overview
from archive_app.services.rights import manage as rights_manage
from bench.common import machine, report

MENTIONS, CREATORS, REQUESTS, RUNS = 100_000, 2_000, 3_000, 50
WORDS = [
    "unboxing",
    "review",
    "morning",
    "routine",
    "style",
    "haul",
    "travel",
    "recipe",
    "workout",
    "tutorial",
    "outfit",
    "skincare",
    "coffee",
    "desk",
    "setup",
    "weekend",
    "vlog",
    "favourite",
    "honest",
    "gift",
    "idea",
]
RARE = "sunset"  # in about 1 % of captions
NOW = datetime.now(UTC).replace(microsecond=0)


def seed(engine: Engine, *, n: int = MENTIONS) -> tuple[int, int, list[int]]:
    """The demo workspace (its owner logs in for the Chromium part) with ``n`` mentions."""
    rng = random.Random(7)
    with Session(engine) as s:
        demo.seed_demo(s, now=NOW - timedelta(days=400))
        s.commit()
        workspace_id, user_id = _demo_ids(s)
        # The demo's own 36 seeded mentions stay; ours come on top.
        sources = []
        for kind, handle in (
            ("tiktok_v1", "brand.v1"),
            ("tiktok_v2", "brand"),
            ("tiktok_v2", "brand.eu"),
        ):
            connected = NOW - timedelta(days=rng.randint(100, 300))
            source = Source(
                workspace_id=workspace_id,
                kind=kind,
                open_id=f"oid-{handle}",
                handle=handle,
                status="active",
                status_changed_at=connected,
                connected_at=connected,
                created_at=connected,
            )
            s.add(source)
            s.flush()
            s.add(SourceEvent(source_id=source.id or 0, at=connected, status="active"))
            sources.append(source.id or 0)
        s.commit()
    creators = [
        {
            "workspace_id": workspace_id,
            "handle": f"creator.{i:04d}",
            "display_name": f"Creator {i}",
            "avatar_url": "",
            "dm_setting": rng.choice(["everyone", "friends", "no_one", "unknown"]),
            "mention_count": 0,
            "first_seen_at": NOW - timedelta(days=400),
        }
        for i in range(CREATORS)
    ]
    with engine.begin() as conn:
        conn.execute(insert(Creator), creators)
    with Session(engine) as s:
        ids = {
            c.handle: c.id
            for c in s.exec(select(Creator).where(Creator.workspace_id == workspace_id))
        }
    handles = [f"creator.{i:04d}" for i in range(CREATORS)]
    rows, finds = [], []
    for i in range(n):
        handle = rng.choice(handles)
        words = rng.sample(WORDS, 5) + ([RARE] if rng.random() < 0.01 else [])
        posted = NOW - timedelta(seconds=rng.randint(0, 365 * 86_400))
        rows.append(
            {
                "workspace_id": workspace_id,
                "video_id": f"7{400000000000000000 + i}",
                "creator_id": ids[handle],
                "creator_handle": handle,
                "caption": " ".join(words) + " @brand",
                "thumbnail_url": "",
                "url": f"https://www.tiktok.com/@{handle}/video/{i}",
                "views": rng.randint(100, 2_000_000),
                "likes": rng.randint(0, 90_000),
                "comments": rng.randint(0, 5_000),
                "shares": rng.randint(0, 3_000),
                "posted_at": posted,
                "first_seen_at": posted + timedelta(hours=3),
                "rights_status": "",
                "rights_request_id": None,
            }
        )
    with engine.begin() as conn:
        for start in range(0, n, 5_000):
            conn.execute(insert(Mention), rows[start : start + 5_000])
    with Session(engine) as s:
        mention_ids = list(
            s.exec(select(Mention.id).where(Mention.workspace_id == workspace_id)).all()
        )
    for mention_id in mention_ids:
        found_by = rng.sample(sources, 2 if rng.random() < 0.33 else 1)
        finds += [
            {"mention_id": mention_id, "source_id": s, "via": "poll", "found_at": NOW}
            for s in found_by
        ]
    with engine.begin() as conn:
        for start in range(0, len(finds), 10_000):
            conn.execute(insert(MentionFind), finds[start : start + 10_000])
    _requests(engine, rng, workspace_id=workspace_id, user_id=user_id, mention_ids=mention_ids)
    return workspace_id, user_id, sources


def _demo_ids(s: Session) -> tuple[int, int]:
    from archive_app.models.workspaces import Membership, User

    user = s.exec(select(User).where(User.email == demo.DEMO_OWNER)).one()
    membership = s.exec(select(Membership).where(Membership.user_id == user.id)).one()
    return membership.workspace_id, user.id or 0


def _requests(
    engine: Engine, rng: random.Random, *, workspace_id: int, user_id: int, mention_ids: list[int]
) -> None:
    chosen = rng.sample(mention_ids, REQUESTS)
    statuses = ["in_queue", "requested", "approved", "declined"]
    with Session(engine) as s:
        by_id = {m.id: m for m in s.exec(select(Mention).where(Mention.id.in_(chosen))).all()}  # type: ignore[union-attr]
        for mention_id in chosen:
            mention = by_id[mention_id]
            status = rng.choice(statuses)
            at = mention.posted_at + timedelta(days=1)
            request = RightsRequest(
                workspace_id=workspace_id,
                creator_id=mention.creator_id,
                message="May we use your video?",
                status=status,
                requested_by_id=user_id,
                created_at=at,
                updated_at=at,
            )
            s.add(request)
            s.flush()
            s.add(RightsRequestMention(request_id=request.id or 0, mention_id=mention_id))
            mention.rights_status, mention.rights_request_id = status, request.id
            s.add(mention)
        s.commit()


def timed(engine: Engine, work: Callable[[Session], Any], runs: int = RUNS) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        with Session(engine) as s:
            work(s)
        times.append(time.perf_counter() - start)
    return times


def cursor_after(s: Session, workspace_id: int, n: int) -> str:
    """The "Load more" cursor a tab holds after ``n`` mentions."""
    posted_at, mention_id = s.exec(
        select(Mention.posted_at, Mention.id)
        .where(Mention.workspace_id == workspace_id)
        .order_by(col(Mention.posted_at).desc(), col(Mention.id).desc())
        .offset(n - 1)
        .limit(1)
    ).one()
    return feed_cursor.encode_cursor(posted_at, mention_id or 0)


def search(term: str) -> feed.FeedFilter:
    return feed.FeedFilter(search=term)


def measure(engine: Engine, label: str) -> None:
    with Session(engine) as s:
        workspace_id, user_id = _demo_ids(s)
        source_id = s.exec(select(Source.id).where(Source.handle == "brand")).one()
    ids = {"workspace_id": workspace_id, "user_id": user_id}
    every = feed.FeedFilter()
    filtered = feed.FeedFilter(
        source_id=source_id,
        rights="none",
        since=(NOW - timedelta(days=120)).date(),
        until=(NOW - timedelta(days=60)).date(),
    )
    with Session(engine) as s:  # the cursors after 3,000 (page 125 of 24) and 90,000 mentions
        deep, deepest = (cursor_after(s, workspace_id, n) for n in (3_000, 90_000))
    cases: list[tuple[str, Callable[[Session], Any]]] = [
        ("feed: first page", lambda s: feed.feed_page(s, **ids, filters=every)),
        ("feed: filtered page", lambda s: feed.feed_page(s, **ids, filters=filtered)),
        (
            "feed: deep page (after 3,000)",
            lambda s: feed.feed_page(s, **ids, filters=every, cursor=deep),
        ),
        (
            "feed: deep page (after 90,000)",
            lambda s: feed.feed_page(s, **ids, filters=every, cursor=deepest),
        ),
        (
            "feed: search (1 % of captions)",
            lambda s: feed.feed_page(s, **ids, filters=search(RARE)),
        ),
        (
            "feed: search (a word found nowhere)",
            lambda s: feed.feed_page(s, **ids, filters=search("zqxj")),
        ),
        (
            "feed: search (one creator's handle)",
            lambda s: feed.feed_page(s, **ids, filters=search("creator.0042")),
        ),
        (
            "feed: search (a common word)",
            lambda s: feed.feed_page(s, **ids, filters=search("review")),
        ),
        (
            "feed: whole first load (chart, gaps)",
            lambda s: feed_overview.load_feed(s, **ids, filters=every, now=NOW),
        ),
        ("Manage Rights: requests table", lambda s: rights_manage.list_requests(s, **ids)),
    ]
    print(f"## {label}")
    for name, work in cases:
        work_result = timed(engine, work, runs=3)  # warm the cache first
        del work_result
        report(name, timed(engine, work))


@contextmanager
def postgres(url: str) -> Iterator[str]:
    name = f"archive_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{url.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrate(data_dir: Path) -> None:
    """The app's own schema (Alembic), so the app can start on this data (``--chromium``)."""
    env = {**os.environ, "ARCHIVE_MODE": "test", "ARCHIVE_DATA_DIR": str(data_dir)}
    env.pop("ARCHIVE_DATABASE_URL", None)
    alembic = Path(sys.executable).parent / "alembic"
    subprocess.run([str(alembic), "upgrade", "head"], env=env, check=True, capture_output=True)


def build(url: str) -> Engine:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        SQLModel.metadata.create_all(engine)
    start = time.perf_counter()
    seed(engine)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    print(f"seeded {MENTIONS:,} mentions in {time.perf_counter() - start:.0f} s")
    return engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("ARCHIVE_DATABASE_URL", ""))
    parser.add_argument("--chromium", action="store_true")
    args = parser.parse_args()
    print(f"# feed at {MENTIONS:,} mentions ({machine()})")
    tmp = Path(tempfile.mkdtemp(prefix="archive-bench-feed-"))
    migrate(tmp)
    engine = build(f"sqlite:///{tmp / 'archive.db'}")
    measure(engine, "SQLite")
    engine.dispose()
    if args.pg.startswith("postgresql"):
        with postgres(args.pg) as url:
            pg = build(url)
            measure(pg, "PostgreSQL")
            pg.dispose()
    if args.chromium:
        from bench.feed_chromium import click_to_first_card

        report("Chromium: click Feed → first card drawn", click_to_first_card(tmp))


if __name__ == "__main__":
    main()
