"""The creator's page (``/r/<token>``) on the Feed benchmark's data: ``python -m bench.creator_page
[--mentions N] [--pg URL]`` alone, and part of ``make bench-feed`` (``bench/feed.py``).

On the workspace ``bench/feed_seed.py`` builds (100,000 mentions and 3,000 usage-rights
requests by default, every request with its link), times, 50 runs each over 50 different
links:

- the page's queries (``services.rights.portal.view``: the request by its link's hash, the
  workspace, the creator, the terms, the original, the videos and their covers, the proof);
- the same plus the HTML (``web.portal_html``);
- the whole first load server side: ``GET /r/<token>`` through the route (rate limits, cookie
  reading, the unit of work, rendering), over an ASGI transport. It includes the route's
  ``FLOOR_SECONDS`` (50 ms: every answer, found or not, takes at least that long).

Targets: the queries < 20 ms at p95, the whole load < 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.applications import Starlette

from archive_app.api.portal import portal_routes
from archive_app.crypto import TokenCipher
from archive_app.db import session_scope
from archive_app.deps import build_deps
from archive_app.models.rights import RightsRequest
from archive_app.services.rights import portal
from archive_app.services.rights.link import CreatorLinks, links_for
from archive_app.settings import Settings
from archive_app.web import portal_html
from archive_app.web.rate_limits import RateLimits
from bench import feed_seed
from bench.common import machine, report

RUNS = 50


def settings_for(data_dir: Path) -> Settings:
    return Settings(mode="test", data_dir=data_dir, scheduler_enabled=False)


def links_of(data_dir: Path) -> CreatorLinks:
    """The links the app on ``data_dir`` gives (its key is made there on first use)."""
    settings = settings_for(data_dir)
    return links_for(settings.public_url, TokenCipher(settings.fernet_key()))


def tokens(engine: Engine, links: CreatorLinks) -> list[str]:
    """RUNS links of different requests (the seed gave every request its link)."""
    with Session(engine) as s:
        ids = list(s.exec(select(RightsRequest.id)).all())
    return [links.token(i or 0) for i in random.Random(3).sample(ids, RUNS)]


def run(engine: Engine, data_dir: Path, links: CreatorLinks) -> None:
    sample = tokens(engine, links)

    def queries(token: str) -> portal.PortalView:
        with session_scope(engine) as s:  # committed, as the app's units of work are
            view = portal.view(s, token=token)
        assert view is not None and view.videos, "every seeded request has a page and a video"
        return view

    for token in sample[:3]:  # warm the cache first, as the Feed's queries are
        queries(token)
    report("creator page /r/<token>: queries", _each(sample, queries))

    def page(token: str) -> None:
        ctx = portal_html.PageContext(token=token, csrf="x" * 64, login_configured=True)
        portal_html.request_page(queries(token), ctx)

    report("creator page /r/<token>: queries + HTML", _each(sample, page))

    settings = settings_for(data_dir)
    deps = build_deps(settings, engine=engine)
    app = Starlette(routes=portal_routes(deps, limits=RateLimits(), creator_login=None))

    async def through_route() -> list[float]:
        times = []
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=settings.public_url
        ) as client:
            for token in [sample[0], *sample]:  # the first one warms the pool and the limiter
                started = time.perf_counter()
                answer = await client.get(f"/r/{token}")
                times.append(time.perf_counter() - started)
                assert answer.status_code == 200, answer.status_code
        return times[1:]

    report("creator page GET /r/<token> (50 ms floor)", asyncio.run(through_route()))


def _each(sample: list[str], work: Callable[[str], object]) -> list[float]:
    times = []
    for token in sample:
        started = time.perf_counter()
        work(token)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("ARCHIVE_DATABASE_URL", ""))
    parser.add_argument("--mentions", type=int, default=feed_seed.DEFAULT_MENTIONS)
    args = parser.parse_args()
    scale = feed_seed.Scale(args.mentions)
    print(f"# creator page at {scale.mentions:,} mentions ({machine()})")
    with tempfile.TemporaryDirectory() as tmp:
        links = links_of(Path(tmp))
        engine, _ = feed_seed.build(
            f"sqlite:///{Path(tmp) / 'archive.db'}", Path(tmp), scale, links
        )
        print("## SQLite")
        run(engine, Path(tmp), links)
        engine.dispose()
        if args.pg.startswith("postgresql"):
            with feed_seed.postgres(args.pg) as url:
                engine, _ = feed_seed.build(url, Path(tmp), scale, links)
                print("## PostgreSQL")
                run(engine, Path(tmp), links)
                engine.dispose()


if __name__ == "__main__":
    main()
