"""The Feed benchmark's data (``bench/feed.py``, ``bench/creator_page.py``), built fast.

One workspace (the demo's, so its owner can log in for the Chromium part) gets ``n`` mentions
on top of the demo's own 36, scaled from ``n`` (:class:`Scale`):

- creators: ``n / 50`` (2,000 at 100,000; 20,000 at a million);
- posted over a year, or at 1,000 a day when that is longer (1,000 days at a million);
- 3 sources (a v.1 and two v.2); a third of the videos found by two of them;
- usage-rights requests for 3 % of the videos (3,000 at 100,000; 30,000 at a million), one
  video each, in the four statuses; every request has its creator's link (``/r/<token>``).

Rows are made with their ids, then written in bulk, 20,000 at a time: ``executemany`` on
SQLite, ``COPY`` on PostgreSQL. The tables' triggers run as on any insert (SQLite's search
index, the per-day counts of ``models/mention_days.py``).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, func, insert, text
from sqlmodel import Session, SQLModel, select

import archive_app.models  # noqa: F401  (every table)
from archive_app.db import make_engine
from archive_app.models.mentions import Creator, Mention, MentionFind
from archive_app.models.rights import RightsRequest, RightsRequestMention
from archive_app.models.sources import Source, SourceEvent
from archive_app.models.workspaces import Membership, User
from archive_app.services import demo
from archive_app.services.rights.link import CreatorLinks, token_hash
from bench.common import machine

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
STATUSES = ("in_queue", "requested", "approved", "declined")
BATCH = 20_000
REMOVED_EVERY = 300
DEFAULT_MENTIONS = 100_000


@dataclass(frozen=True)
class Scale:
    mentions: int

    @property
    def creators(self) -> int:
        return max(self.mentions // 50, 20)

    @property
    def requests(self) -> int:
        return max(self.mentions * 3 // 100, 50)

    @property
    def days(self) -> int:
        return max(365, self.mentions // 1_000)

    def handle(self, i: int) -> str:
        return f"creator.{i:0{max(4, len(str(self.creators - 1)))}d}"


__all__ = ["machine"]


@dataclass(frozen=True)
class Seeded:
    workspace_id: int
    user_id: int
    sources: list[int]


def demo_ids(s: Session) -> tuple[int, int]:
    user = s.exec(select(User).where(User.email == demo.DEMO_OWNER)).one()
    membership = s.exec(select(Membership).where(Membership.user_id == user.id)).one()
    return membership.workspace_id, user.id or 0


def table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _next_id(s: Session, model: Any) -> int:
    return int(s.exec(select(func.max(model.id))).one() or 0) + 1


def seed(engine: Engine, scale: Scale, links: CreatorLinks) -> Seeded:
    """The demo workspace with ``scale.mentions`` more mentions (see the module's text)."""
    rng = random.Random(7)
    with Session(engine) as s:
        demo.seed_demo(s, now=NOW - timedelta(days=scale.days + 35))
        s.commit()
        workspace_id, user_id = demo_ids(s)
        sources = _sources(s, rng, workspace_id)
        first_creator, first_mention = _next_id(s, Creator), _next_id(s, Mention)
        first_request = _next_id(s, RightsRequest)
    n = scale.mentions
    creator_of = [rng.randrange(scale.creators) for _ in range(n)]
    posted = [NOW - timedelta(seconds=rng.randint(0, scale.days * 86_400)) for _ in range(n)]
    asked = {i: k for k, i in enumerate(rng.sample(range(n), scale.requests))}
    status = [rng.choice(STATUSES) for _ in range(scale.requests)]
    write(
        engine,
        table(Creator),
        _creators(rng, scale, workspace_id, first_creator, creator_of, posted),
    )
    for start in range(0, n, BATCH):
        mentions, finds = [], []
        for i in range(start, min(start + BATCH, n)):
            handle, k = scale.handle(creator_of[i]), asked.get(i)
            # One video in 300 is gone from TikTok ("Removed from TikTok").
            removed = min(posted[i] + timedelta(days=1), NOW) if i % REMOVED_EVERY == 7 else None
            words = rng.sample(WORDS, 5) + ([RARE] if rng.random() < 0.01 else [])
            mention_id = first_mention + i
            mentions.append(
                {
                    "id": mention_id,
                    "workspace_id": workspace_id,
                    "video_id": f"7{400000000000000000 + i}",
                    "creator_id": first_creator + creator_of[i],
                    "creator_handle": handle,
                    "caption": " ".join(words) + " @brand",
                    "thumbnail_url": "",
                    "url": f"https://www.tiktok.com/@{handle}/video/{i}",
                    "views": rng.randint(100, 2_000_000),
                    "likes": rng.randint(0, 90_000),
                    "comments": rng.randint(0, 5_000),
                    "shares": rng.randint(0, 3_000),
                    "posted_at": posted[i],
                    "first_seen_at": posted[i] + timedelta(hours=3),
                    "rights_status": "" if k is None else status[k],
                    "rights_request_id": None if k is None else first_request + k,
                    "removed_at": removed,
                }
            )
            finds += [
                {"mention_id": mention_id, "source_id": source, "via": "poll", "found_at": NOW}
                for source in rng.sample(sources, 2 if rng.random() < 0.33 else 1)
            ]
        write(engine, table(Mention), mentions)
        write(engine, table(MentionFind), finds)
    requests, videos = [], []
    for i, k in asked.items():
        at = min(posted[i] + timedelta(days=1), NOW)
        creator_id, request_id = first_creator + creator_of[i], first_request + k
        requests.append(
            _request(request_id, creator_id, workspace_id, status[k], at, user_id, links)
        )
        videos.append({"request_id": request_id, "mention_id": first_mention + i})
    requests.sort(key=lambda row: row["id"])
    write(engine, table(RightsRequest), requests)
    write(engine, table(RightsRequestMention), videos)
    return Seeded(workspace_id, user_id, sources)


def _creators(
    rng: random.Random,
    scale: Scale,
    workspace_id: int,
    first_id: int,
    creator_of: list[int],
    posted: list[datetime],
) -> list[dict[str, Any]]:
    """The creators, with their mention counts and latest mentions (Social Profiles)."""
    counts = [0] * scale.creators
    latest: list[datetime | None] = [None] * scale.creators
    for creator, at in zip(creator_of, posted, strict=True):
        counts[creator] += 1
        last = latest[creator]
        if last is None or at > last:
            latest[creator] = at
    return [
        {
            "id": first_id + i,
            "workspace_id": workspace_id,
            "handle": scale.handle(i),
            "display_name": f"Creator {i}",
            "avatar_url": "",
            "dm_setting": rng.choice(["everyone", "friends", "no_one", "unknown"]),
            "dm_setting_at": None,
            "mention_count": counts[i],
            "first_seen_at": NOW - timedelta(days=scale.days + 30),
            "last_mention_at": latest[i],
        }
        for i in range(scale.creators)
    ]


def _sources(s: Session, rng: random.Random, workspace_id: int) -> list[int]:
    ids = []
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
        ids.append(source.id or 0)
    s.commit()
    return ids


def _request(
    request_id: int,
    creator_id: int,
    workspace_id: int,
    status: str,
    at: datetime,
    user_id: int,
    links: CreatorLinks,
) -> dict[str, Any]:
    answered = at + timedelta(days=2) if status in ("approved", "declined") else None
    return {
        "id": request_id,
        "workspace_id": workspace_id,
        "creator_id": creator_id,
        "message": "May we use your video?",
        "status": status,
        "queue_reason": "",
        "queue_detail": "",
        "requested_by_id": user_id,
        "created_at": at,
        "updated_at": answered or at,
        "sent_at": None if status == "in_queue" else at,
        "responded_at": answered,
        "send_attempts": 0,
        "scope": "usage_rights",
        "link_hash": token_hash(links.token(request_id)),
        "response_note": "",
    }


def write(engine: Engine, target: Table, rows: Sequence[dict[str, Any]]) -> None:
    """``rows`` into ``target``: COPY on PostgreSQL (then its id sequence moved past them),
    ``executemany`` in batches on SQLite."""
    if not rows:
        return
    # Columns the rows leave out get their model default (COPY would write NULL).
    extra = {
        c.name: c.default.arg
        for c in target.columns
        if c.name not in rows[0] and c.default is not None and c.default.is_scalar
    }
    if extra:
        rows = [{**row, **extra} for row in rows]
    columns = list(rows[0])
    with engine.begin() as conn:
        if engine.dialect.name != "postgresql":
            for start in range(0, len(rows), BATCH):
                conn.execute(insert(target), list(rows[start : start + BATCH]))
            return
        raw = conn.connection.driver_connection
        assert raw is not None
        names = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cur, cur.copy(f"COPY {target.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        if "id" in columns and "id" in target.c and target.c.id.autoincrement:
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{target.name}', 'id'), max(id)) "
                    f"FROM {target.name}"
                )
            )


KEPT_DATABASE = "archive_bench_keep"


@contextmanager
def postgres(url: str, *, keep: bool = False) -> Iterator[str]:
    """A throw-away database on the server of ``url``, dropped afterwards; with ``keep``,
    ``archive_bench_keep``, made if missing and left there (``bench/feed.py --keep``)."""
    name = KEPT_DATABASE if keep else f"archive_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        there = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if there.first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{url.rsplit('/', 1)[0]}/{name}"
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def stamp(url: str, data_dir: Path) -> None:
    """Mark the SQLite schema as the migrations' head, so the app starts on it (``--chromium``)."""
    env = {**os.environ, "ARCHIVE_MODE": "test", "ARCHIVE_DATA_DIR": str(data_dir)}
    env["ARCHIVE_DATABASE_URL"] = url
    alembic = Path(sys.executable).parent / "alembic"
    subprocess.run([str(alembic), "stamp", "head"], env=env, check=True, capture_output=True)


def build(url: str, data_dir: Path, scale: Scale, links: CreatorLinks) -> tuple[Engine, float]:
    """A database at ``url`` with the app's schema, the data seeded and analysed; and the
    seconds it took."""
    start = time.perf_counter()
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)  # the models' tables and indexes (= the migrations')
    if engine.dialect.name == "sqlite":
        stamp(url, data_dir)
    seed(engine, scale, links)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # Seeding updates mention_days' ~20,000 rows a million times in minutes: left so,
            # the table is 31 MB of dead space, read whole by every total (8 ms, not 2). A
            # live instance's autovacuum reuses that space as mentions arrive.
            conn.execute(text("VACUUM FULL mention_days"))
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return engine, time.perf_counter() - start


def build_or_reuse(
    url: str, data_dir: Path, scale: Scale, links: CreatorLinks, keep: bool
) -> tuple[Engine, float]:
    """:func:`build`, or with ``keep`` the database a former run seeded (0 seconds), if any:
    its demo workspace is there. (Seeded by an older schema, it misses what changed since.)"""
    if keep:
        engine = make_engine(url)
        try:
            with Session(engine) as s:
                demo_ids(s)
            return engine, 0.0
        except Exception:  # not seeded (yet): seed it
            engine.dispose()
    return build(url, data_dir, scale, links)
