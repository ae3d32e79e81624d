"""Covers kept (issue 22): ingest of 1,000 mentions with their covers, and serving a cover.

``python -m bench.media`` starts the simulator over real HTTP on loopback (its covers are real
JPEGs drawn with Pillow) and, in the same server, Archive's cover route. Then:

1. ingest: 1,000 videos stored as mentions (``services/mentions/ingest.py``, one unit of
   work), then ``fetch_covers`` keeps their 1,000 covers in a local media store (bounded
   concurrency, each judged by Pillow, one unit of work per cover);
2. serving: ``GET /media/covers/<name>`` with a member's session cookie, a cover already in the
   store (the "cached" case: no TikTok involved), body read in full; and the same request with
   ``If-None-Match`` (what a browser that has it sends: 304).
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import uvicorn
from sqlmodel import Session, SQLModel
from starlette.applications import Starlette
from starlette.routing import Mount

import archive_app.models  # noqa: F401
from archive_app.api.media import media_routes
from archive_app.clock import ShiftedClock
from archive_app.db import make_engine, session_scope
from archive_app.deps import build_deps
from archive_app.integrations.tiktok.protocol import Video
from archive_app.models.mentions import FoundVia
from archive_app.models.sources import Source
from archive_app.services import signup
from archive_app.services.media import covers
from archive_app.services.media.store import LocalStore
from archive_app.services.mentions import ingest
from archive_app.settings import Mode, Settings
from archive_app.simulator import create_simulator_app
from archive_app.simulator.state import VideoRec
from archive_app.simulator_links import signed_cover_url
from bench.common import machine, report
from tests.ports import free_port

MENTIONS = 1000


def _serve(app: Starlette, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.01)
    return server, thread


async def main(mentions: int = MENTIONS, rounds: int = 300) -> None:
    print(f"# media ({machine()})")
    tmp = Path(tempfile.mkdtemp(prefix="archive-bench-media-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(_env_file=None, mode=Mode.test, data_dir=tmp, public_url=base)  # type: ignore[call-arg]
    clock = ShiftedClock()
    engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
    SQLModel.metadata.create_all(engine)
    store = LocalStore(tmp / "media")
    deps = build_deps(settings, engine=engine, clock=clock, media=store)
    sim = create_simulator_app(settings=settings, clock=clock)
    server, thread = _serve(Starlette(routes=[*media_routes(deps), Mount("/_sim", app=sim)]), port)
    now = clock.now()
    with session_scope(engine) as s:
        owner = signup.sign_up(
            s, email="bench@brand.com", password="bench-pass", workspace_name="Bench", now=now
        )
        source = Source(
            workspace_id=owner.workspace_id,
            kind="tiktok_v2",
            open_id="oid-bench",
            handle="benchbrand",
            status="active",
            status_changed_at=now,
            connected_at=now,
            created_at=now,
        )
        s.add(source)
        s.flush()
        source_id = source.id or 0
    videos = []
    with sim.state.sim.lock:
        for n in range(mentions):
            item_id = f"73{n:017d}"
            caption = f"Video {n} of the bench with @benchbrand, a smoothie and a blender"
            sim.state.sim.videos.append(
                VideoRec(
                    item_id, "benchbrand", f"maker.{n % 50}", caption, now - timedelta(hours=n)
                )
            )
            videos.append(
                Video(
                    item_id=item_id,
                    created_at=now - timedelta(hours=n),
                    url=f"https://www.tiktok.com/@maker.{n % 50}/video/{item_id}",
                    caption=caption,
                    creator_handle=f"maker.{n % 50}",
                    thumbnail_url=signed_cover_url(item_id, f"{base}/_sim/media", now),
                    likes=n,
                    comments=0,
                    shares=0,
                    views=10 * n,
                )
            )

    start = time.perf_counter()
    with session_scope(engine) as s:
        added = ingest.ingest(s, source_id=source_id, videos=videos, via=FoundVia.poll, now=now)
    ingested = time.perf_counter() - start
    start = time.perf_counter()
    kept = await covers.fetch_due(deps.db, store=store, now=now)
    fetched = time.perf_counter() - start
    size = sum(u.bytes for u in store.usage().values())
    print(
        f"ingest {added.new_mentions} mentions: {ingested:.2f} s;"
        f" fetch_covers {kept.stored} covers ({kept.failed} failed, {size / 1e6:.1f} MB):"
        f" {fetched:.2f} s ({fetched / max(kept.stored, 1) * 1000:.1f} ms per cover);"
        f" together {ingested + fetched:.2f} s"
    )

    with Session(engine) as s:
        names = list(covers.cover_urls(s, list(range(1, 101))).values())
    cookies = {"archive_session": owner.session_token}
    async with httpx.AsyncClient(base_url=base, cookies=cookies) as client:
        full, revalidated = [], []
        for i in range(rounds + 10):
            path = names[i % len(names)]
            t0 = time.perf_counter()
            answer = await client.get(path)
            t1 = time.perf_counter()
            assert answer.status_code == 200 and answer.content[:2] == b"\xff\xd8"
            again = await client.get(path, headers={"if-none-match": answer.headers["etag"]})
            t2 = time.perf_counter()
            assert again.status_code == 304
            if i >= 10:  # warm-up
                full.append(t1 - t0)
                revalidated.append(t2 - t1)
    report("GET a stored cover (200, the JPEG read)", full)
    report("GET a stored cover, If-None-Match (304)", revalidated)
    server.should_exit = True
    thread.join(timeout=5)
    engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
