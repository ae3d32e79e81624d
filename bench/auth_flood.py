"""A page load's database work during a sign-up flood: ``python -m bench.auth_flood``.

200 concurrent ``POST /auth/signup`` (each an argon2 hash) once made a signed-in member's Feed
take 26 s, because every auth unit of work ran on the same thread pool as page loads. Now auth
work runs on ``Deps.auth_db`` (2 threads of its own, at most ``AUTH_MAX_WAITING`` waiting;
beyond that "Archive is busy"). This times a page-load-like ``deps.db`` call, alone and then
while the 200 sign-ups run in-process over ASGI (no per-address limit here: this measures the
pool, which is what is left when the flood comes from many addresses), and prints the figures.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import httpx
from sqlmodel import Session, SQLModel, select
from starlette.applications import Starlette

import archive_app.models  # noqa: F401  (every table)
from archive_app.api.auth import auth_routes
from archive_app.db import make_engine
from archive_app.deps import AUTH_MAX_WAITING, AUTH_THREADS, Deps, build_deps
from archive_app.models.workspaces import User
from archive_app.settings import Mode, Settings
from bench.common import machine, report

SIGNUPS = 200
ORIGIN = "http://bench.test"


def _page_load(session: Session) -> int:
    """What a page's unit of work looks like: a small indexed read."""
    return len(session.exec(select(User).limit(20)).all())


async def _time_page_loads(deps: Deps, stop: asyncio.Event, out: list[float]) -> None:
    while not stop.is_set():
        start = time.perf_counter()
        await deps.db(_page_load)
        out.append(time.perf_counter() - start)
        await asyncio.sleep(0.02)


async def main() -> None:
    pool = f"auth pool: {AUTH_THREADS} threads, {AUTH_MAX_WAITING} waiting"
    print(f"# auth flood ({machine()}); {pool}")
    data = Path(tempfile.mkdtemp(prefix="archive-bench-"))
    settings = Settings(_env_file=None, mode=Mode.test, data_dir=data, public_url=ORIGIN)
    engine = make_engine(f"sqlite:///{data / 'archive.db'}")
    SQLModel.metadata.create_all(engine)
    deps = build_deps(settings, engine=engine)  # nothing drains the outbox: no mail is sent
    app = Starlette(routes=auth_routes(deps))

    alone: list[float] = []
    stop = asyncio.Event()
    timer = asyncio.create_task(_time_page_loads(deps, stop, alone))
    await asyncio.sleep(1.0)
    stop.set()
    await timer
    report("page-load deps.db call, no flood", alone)

    during: list[float] = []
    stop = asyncio.Event()
    timer = asyncio.create_task(_time_page_loads(deps, stop, during))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN, timeout=120) as client:
        start = time.perf_counter()
        responses = await asyncio.gather(
            *(
                client.post(
                    "/auth/signup",
                    data={
                        "email": f"flood{i}@brand.example",
                        "password": "long-pass-1",
                        "workspace": "Flood",
                    },
                )
                for i in range(SIGNUPS)
            )
        )
        flood_seconds = time.perf_counter() - start
    stop.set()
    await timer
    accepted = sum(r.headers.get("location", "") == "/signup?sent=1" for r in responses)
    report(f"page-load deps.db call, {SIGNUPS} sign-ups", during)
    print(
        f"{SIGNUPS} concurrent sign-ups: {accepted} accepted, {SIGNUPS - accepted} told "
        f'"Archive is busy", all answered in {flood_seconds:.1f} s'
    )
    engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
