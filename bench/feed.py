"""The Feed, Manage Rights and the creator's page at scale: ``make bench-feed``
(``python -m bench.feed [--mentions N] [--pg URL] [--chromium] [--keep DIR]``).

Seeds one workspace with ``--mentions`` mentions (100,000 unless told; the creators, the days
and the usage-rights requests grow with it: ``bench/feed_seed.py``), then times, 50 runs each
(a fresh session each run, after 3 warm-up runs, committed at the end as the app's units of
work are: ``db.session_scope``), the service calls the pages make:

- the Feed's first page; a filtered page (one source, "No request", a 60-day range); one
  rights status ("Approved"); only the videos removed from TikTok (one in 300); deep pages
  (the cursors after 3,000, 90,000 and 90 % of the mentions); searches (a word in about 1 %
  of captions, a word found nowhere, one creator's handle, a common word, a rare phrase of
  common words, five common words found nowhere); the new mentions a tab searching a common
  word counts when one arrives (50 since its first page);
- a tab's whole first load (first page, total, chart, coverage gaps, source choices), with no
  filter, with the filtered page's filter and with removed videos hidden; with a common word
  or the rare phrase searched, the first load (the cards) and then the counts, as a
  searching tab asks them (``feed_load.counts_later``);
- a creator's page in the app (``/creators/<handle>``: the header with the creator's requests'
  summary and median answer time, then their videos' first page and total, as its two
  ``on_load`` handlers ask them: a creator's page has no chart, gaps or source choices);
- Manage Rights (``services.rights.manage.list_requests``): the table, one status, a search
  for a creator;
- the creator's page ``/r/<token>`` (``bench/creator_page.py``): its queries, with the HTML,
  and the whole ``GET`` through the route.

On SQLite (a temp file) and, with ``--pg URL`` (or ``ARCHIVE_DATABASE_URL``), on a throw-away
PostgreSQL database of that server; both get the models' schema (``create_all``: the tables,
indexes and triggers the migrations make, ``tests/migrations`` checks they agree). ``--chromium``
also starts the app on the SQLite data and times, in Chromium, the click on "Feed" until the
first card is drawn.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func
from sqlmodel import Session, col, select

from archive_app.db import session_scope
from archive_app.models.mentions import Mention
from archive_app.models.sources import Source
from archive_app.services.mentions import feed, feed_cursor, feed_live, feed_load
from archive_app.services.rights import creators
from archive_app.services.rights import manage as rights_manage
from archive_app.services.rights.filters import RightsFilter
from bench import creator_page, feed_seed
from bench.common import report
from bench.feed_seed import NOW, RARE, Scale

RUNS = 50
PHRASE = "review morning routine"
NOWHERE = "honest gift idea coffee desk"  # five of the 21 words, in no caption of the seed


class Statements:
    """The slowest SQL statement of each run: from ``execute`` until the statement returns
    (on SQLite, until its first row: a sort or a count has done its work by then)."""

    def __init__(self, engine: Engine) -> None:
        self.slowest: list[float] = []
        self._started = 0.0
        self._run = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_: Any) -> None:
        self._started = time.perf_counter()

    def _after(self, *_: Any) -> None:
        self._run = max(self._run, time.perf_counter() - self._started)

    def next_run(self) -> None:
        self._run = 0.0

    def end_run(self) -> None:
        self.slowest.append(self._run)


def timed(
    engine: Engine,
    work: Callable[[Session], Any],
    runs: int = RUNS,
    statements: Statements | None = None,
) -> list[float]:
    times = []
    for _ in range(runs):
        if statements:
            statements.next_run()
        start = time.perf_counter()
        with session_scope(engine) as s:
            work(s)
        times.append(time.perf_counter() - start)
        if statements:
            statements.end_run()
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


def cases(engine: Engine, scale: Scale) -> list[tuple[str, Callable[[Session], Any]]]:
    with Session(engine) as s:
        workspace_id, user_id = feed_seed.demo_ids(s)
        source_id = s.exec(select(Source.id).where(Source.handle == "brand")).one()
        deep = {
            n: cursor_after(s, workspace_id, n)
            for n in sorted({3_000, 90_000, scale.mentions * 9 // 10})
            if n <= scale.mentions
        }
        newest = int(s.exec(select(func.max(Mention.id))).one() or 0)
    ids: dict[str, Any] = {"workspace_id": workspace_id, "user_id": user_id}
    every = feed.FeedFilter()
    filtered = feed.FeedFilter(
        source_id=source_id,
        rights="none",
        since=(NOW - timedelta(days=120)).date(),
        until=(NOW - timedelta(days=60)).date(),
    )
    approved = feed.FeedFilter(rights="approved")
    hidden = feed.FeedFilter(removed="hide")
    handle = scale.handle(42)

    def page(filters: feed.FeedFilter, cursor: str = "") -> Callable[[Session], Any]:
        return lambda s: feed.feed_page(s, **ids, filters=filters, cursor=cursor)

    def count_new(filters: feed.FeedFilter) -> Callable[[Session], Any]:
        # What each open tab asks when a mention arrives: 50 arrived since it read its page.
        return lambda s: feed_live.count_new(s, **ids, filters=filters, after_id=newest - 50)

    def first_load(filters: feed.FeedFilter) -> Callable[[Session], Any]:
        # As FeedState asks it: a search's counts come after its cards (feed_load.counts_later).
        counted = not feed_load.counts_later(filters)
        return lambda s: feed_load.load_feed(s, **ids, filters=filters, now=NOW, counted=counted)

    def counts(filters: feed.FeedFilter) -> Callable[[Session], Any]:
        return lambda s: feed_load.count_feed(s, **ids, filters=filters, now=NOW)

    def creator_in_app(s: Session) -> None:
        # What the page's two on_loads ask (states/creators.py CreatorState, states/feed.py):
        # the header, then the creator's id and their videos' first page and total.
        assert creators.find_creator(s, **ids, handle=handle) is not None
        ref = creators.creator_ref(s, **ids, handle=handle)
        assert ref is not None
        mine = feed.FeedFilter(creator_id=ref[0])
        feed_load.load_feed(s, **ids, filters=mine, now=NOW, overview=False)

    def manage(filters: RightsFilter) -> Callable[[Session], Any]:
        return lambda s: rights_manage.list_requests(s, **ids, filters=filters)

    return [
        ("feed: first page", page(every)),
        ("feed: filtered page", page(filtered)),
        ('feed: rights "Approved"', page(approved)),
        ('feed: "Removed from TikTok": only these', page(feed.FeedFilter(removed="only"))),
        *[(f"feed: deep page (after {n:,})", page(every, cursor)) for n, cursor in deep.items()],
        ("feed: search (1 % of captions)", page(search(RARE))),
        ("feed: search (a word found nowhere)", page(search("zqxj"))),
        ("feed: search (one creator's handle)", page(search(handle))),
        ("feed: search (a common word)", page(search("review"))),
        # Three of the seed's 21 words in a row: in about 0.04 % of captions, and every
        # trigram of it is in a quarter of them or more (the worst case for trigram indexes).
        ("feed: search (a rare phrase of common words)", page(search(PHRASE))),
        ("feed: search (common words, found nowhere)", page(search(NOWHERE))),
        ("feed: new mentions, a tab searching a common word", count_new(search("review"))),
        ("feed: whole first load (total, chart, gaps)", first_load(every)),
        ("feed: whole first load, filtered", first_load(filtered)),
        (
            "feed: whole first load, removed videos hidden",
            first_load(hidden),
        ),
        ("feed: first load, a common word searched: cards", first_load(search("review"))),
        ("feed: first load, a common word searched: counts", counts(search("review"))),
        ("feed: first load, the rare phrase searched: cards", first_load(search(PHRASE))),
        ("feed: first load, the rare phrase searched: counts", counts(search(PHRASE))),
        ("creator in the app: /creators/<handle>", creator_in_app),
        ("Manage Rights: the table (200 rows)", manage(RightsFilter())),
        ('Manage Rights: "Approved"', manage(RightsFilter(status="approved"))),
        ("Manage Rights: a creator's handle", manage(RightsFilter(creator=handle))),
    ]


def measure(engine: Engine, scale: Scale, data_dir: Path, links: Any) -> None:
    """Each case's whole service call, then (indented) its slowest SQL statement per run."""
    for name, work in cases(engine, scale):
        timed(engine, work, runs=3)  # warm the cache first
        statements = Statements(engine)
        report(name, timed(engine, work, statements=statements))
        report("  its slowest statement", statements.slowest)
        event.remove(engine, "before_cursor_execute", statements._before)
        event.remove(engine, "after_cursor_execute", statements._after)
    creator_page.run(engine, data_dir, links)


def seeded(took: float) -> str:
    return f"seeded in {took:.0f} s" if took else "the kept copy, seeded before (--keep)"


def load_average() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("ARCHIVE_DATABASE_URL", ""))
    parser.add_argument("--mentions", type=int, default=feed_seed.DEFAULT_MENTIONS)
    parser.add_argument("--chromium", action="store_true")
    parser.add_argument(
        "--keep",
        default="",
        help="a directory: seed SQLite there (and PostgreSQL database archive_bench_keep) once, "
        "reuse both on later runs, never drop them",
    )
    args = parser.parse_args()
    scale = Scale(args.mentions)
    print(
        f"# {scale.mentions:,} mentions, {scale.creators:,} creators, {scale.requests:,} "
        f"requests over {scale.days:,} days ({feed_seed.machine()})"
    )
    tmp = Path(args.keep or tempfile.mkdtemp(prefix="archive-bench-feed-"))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        links = creator_page.links_of(tmp)
        sqlite_url = f"sqlite:///{tmp / 'archive.db'}"
        engine, took = feed_seed.build_or_reuse(sqlite_url, tmp, scale, links, bool(args.keep))
        print(f"## SQLite ({seeded(took)}; {load_average()})")
        measure(engine, scale, tmp, links)
        print(f"({load_average()})")
        engine.dispose()
        if args.pg.startswith("postgresql"):
            with feed_seed.postgres(args.pg, keep=bool(args.keep)) as url:
                pg, took = feed_seed.build_or_reuse(url, tmp, scale, links, bool(args.keep))
                print(f"## PostgreSQL ({seeded(took)}; {load_average()})")
                measure(pg, scale, tmp, links)
                print(f"({load_average()})")
                pg.dispose()
        if args.chromium:
            from bench.feed_chromium import click_to_first_card

            report("Chromium: click Feed → first card drawn", click_to_first_card(tmp))
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
