"""The creator's page (``/r/<token>``) at 100,000 mentions: ``python -m bench.creator_page
[--pg URL]``.

Seeds the Feed benchmark's workspace (100,000 mentions by 2,000 creators, 3,000 usage-rights
requests: ``bench/feed.py``), gives each request its link, then times, 50 runs each over
different links:

- the page's data and HTML (``services.rights.portal.view`` + ``web.portal_html``), and
- the whole first load server side: ``GET /r/<token>`` through the route (rate limits, cookie
  reading, the unit of work, rendering), over an ASGI transport. It includes the route's
  ``FLOOR_SECONDS`` (50 ms: every answer, found or not, takes at least that long).

Target: < 300 ms server side. On SQLite (a temp file) and, with ``--pg URL`` (or
``ARCHIVE_DATABASE_URL``), on a throw-away PostgreSQL database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.applications import Starlette

import archive_app.models  # noqa: F401  (every table)
from archive_app.api.portal import portal_routes
from archive_app.deps import build_deps
from archive_app.models.rights import RightsRequest
from archive_app.services.rights import portal
from archive_app.services.rights.link import links_for
from archive_app.settings import Settings
from archive_app.web import portal_html
from archive_app.web.rate_limits import RateLimits
from bench import feed
from bench.common import machine, report

RUNS = 50


def with_links(engine: Engine, settings: Settings) -> list[str]:
    """Every request gets its link; returns RUNS of their tokens."""
    deps = build_deps(settings, engine=engine)
    links = links_for(settings.public_url, deps.cipher)
    with Session(engine) as s:
        rows = list(s.exec(select(RightsRequest)).all())
        for row in rows:
            links.ensure(s, row)
        s.commit()
        ids = [r.id or 0 for r in rows]
    return [links.token(i) for i in random.Random(3).sample(ids, RUNS)]


def run(engine: Engine, data_dir: Path, label: str) -> None:
    settings = Settings(mode="test", data_dir=data_dir, scheduler_enabled=False)
    tokens = with_links(engine, settings)

    page_times = []
    for token in tokens:
        started = time.perf_counter()
        with Session(engine) as s:
            view = portal.view(s, token=token)
        assert view is not None
        ctx = portal_html.PageContext(token=token, csrf="x" * 64, login_configured=True)
        portal_html.request_page(view, ctx)
        page_times.append(time.perf_counter() - started)
    report(f"creator page: data + HTML ({label})", page_times)

    deps = build_deps(settings, engine=engine)
    app = Starlette(routes=portal_routes(deps, limits=RateLimits(), creator_login=None))

    async def through_route() -> list[float]:
        times = []
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=settings.public_url
        ) as client:
            for token in tokens:
                started = time.perf_counter()
                answer = await client.get(f"/r/{token}")
                times.append(time.perf_counter() - started)
                assert answer.status_code == 200, answer.status_code
        return times

    report(f"creator page: GET /r/<token> ({label})", asyncio.run(through_route()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg", default=os.environ.get("ARCHIVE_DATABASE_URL", ""))
    args = parser.parse_args()
    print(f"# creator page at {feed.MENTIONS:,} mentions ({machine()})")
    with tempfile.TemporaryDirectory() as tmp:
        feed.migrate(Path(tmp))
        engine = feed.build(f"sqlite:///{Path(tmp) / 'archive.db'}")
        run(engine, Path(tmp), "SQLite")
        engine.dispose()
    if args.pg.startswith("postgresql"):
        with feed.postgres(args.pg) as url, tempfile.TemporaryDirectory() as tmp:
            engine = feed.build(url)
            run(engine, Path(tmp), "PostgreSQL")
            engine.dispose()


if __name__ == "__main__":
    main()
