"""What the topology checks work with: the data (written through the app's own services), an
event loop that keeps the tabs open from one test to the next, and the timed pop-up round."""

from __future__ import annotations

import asyncio
import os
import statistics
import threading
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from sqlmodel import Session, col, select

from archive_app.crypto import TokenCipher
from archive_app.db import make_engine
from archive_app.models.notifications import OutboxEmail
from bench.push import (
    Workspace,
    app_settings,
    connect_v2_directly,
    pct,
    prepare_data,
    signed_removal,
    webhook_secret,
)
from tests import factories
from tests.scale.tab_host import TabHosts
from tests.scale.topology import Topology

T = TypeVar("T")
TABS = int(os.environ.get("ARCHIVE_SCALE_TABS", "1000"))
CHROMIUM_TABS = int(os.environ.get("ARCHIVE_SCALE_CHROMIUM_TABS", "3"))
BATCH_DOMAIN = "batch.example"
BATCH_MEMBERS = 20


def say(line: str) -> None:
    print(f"[scale] {line}", flush=True)


class LoopThread:
    """One event loop in a thread of its own for the whole module: the tabs opened by one
    test are still open, and reconnect on their own, in the next."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 600) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@dataclass
class World:
    """The demo workspace (its owner's tabs, one source per revocation) and a workspace of
    ``BATCH_MEMBERS`` members whose source's revocation makes a batch of that many mails."""

    demo: Workspace
    batch_workspace_id: int
    batch_open_id: str
    client_key: str
    secret: str


def make_world(env: dict[str, str], database_url: str) -> World:
    demo = prepare_data(env=env, db_url=database_url, workspaces=1, sources_each=10)[0]
    now = datetime.now(UTC)
    open_id = f"batch-{uuid.uuid4().hex}"
    engine = make_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as s:
            owner = factories.workspace(
                s, now=now, email=f"owner@{BATCH_DOMAIN}", name="Batch Brand"
            )
            assert owner.workspace_id is not None
            for n in range(1, BATCH_MEMBERS):
                factories.member(
                    s, workspace_id=owner.workspace_id, now=now, email=f"m{n:02d}@{BATCH_DOMAIN}"
                )
            connect_v2_directly(
                s,
                workspace_id=owner.workspace_id,
                user_id=owner.user_id,
                handle="batchbrand",
                open_id=open_id,
                cipher=TokenCipher(app_settings(env).fernet_key()),
                now=now,
            )
            s.commit()
    finally:
        engine.dispose()
    key, secret = webhook_secret(env)
    return World(demo, owner.workspace_id, open_id, key, secret)


def new_owner_cookie(database_url: str) -> str:
    """A new workspace's owner, signed in: the ``Cookie`` header of their browser."""
    engine = make_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as s:
            owner = factories.workspace(
                s, now=datetime.now(UTC), email=f"owner@{uuid.uuid4().hex[:8]}.example"
            )
    finally:
        engine.dispose()
    return f"archive_session={owner.session_token}"


@dataclass(frozen=True)
class Row:
    to: str
    status: str
    claimed_at: datetime | None


def outbox_rows(database_url: str, workspace_id: int | None = None) -> list[Row]:
    """Every outbox row (of one workspace when given): recipient, status, when claimed."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as s:
            query = select(OutboxEmail)
            if workspace_id is not None:
                query = query.where(col(OutboxEmail.workspace_id) == workspace_id)
            return [Row(r.to_address, r.status, _aware(r.claimed_at)) for r in s.exec(query).all()]
    finally:
        engine.dispose()


def leader_locks(database_url: str) -> int:
    """Advisory locks held in the database: the scheduler's leader lock, once per leader."""
    from sqlalchemy import text

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            query = (
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
            return int(conn.execute(text(query)).scalar() or 0)
    finally:
        engine.dispose()


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)  # SQLite gives naive UTC; PostgreSQL aware


def cut_by(rows: list[Row], killed: datetime) -> list[Row]:
    """Rows on the wire when a replica was killed: claimed before it and never finished (the
    outbox never sends those again: at most once)."""
    return [r for r in rows if r.status == "sending" and r.claimed_at and r.claimed_at < killed]


async def revoke(world: World, url: str, open_id: str) -> tuple[httpx.Response, float]:
    """TikTok's signed ``authorization.removed``, posted through ``url`` (Caddy); and when the
    POST began (``perf_counter``, after the client was made: an httpx client loads its TLS
    certificates when created, 20-30 ms that are the test's, not Archive's)."""
    body, signature = signed_removal(world.client_key, world.secret, open_id)
    async with httpx.AsyncClient(timeout=60) as http:
        began = time.perf_counter()
        response = await http.post(
            f"{url}/webhooks/tiktok",
            content=body,
            headers={"Content-Type": "application/json", "Tiktok-Signature": signature},
        )
        return response, began


@dataclass
class Round:
    handle: str
    latencies_ms: list[float]
    missed: int
    status: int

    def summary(self) -> str:
        if not self.latencies_ms:
            return f"@{self.handle}: no tab got it ({self.missed} missed)"
        return (
            f"@{self.handle}: p50 {statistics.median(self.latencies_ms):.0f} / p95 "
            f"{p95(self.latencies_ms):.0f} / max {max(self.latencies_ms):.0f} ms over "
            f"{len(self.latencies_ms)} tabs ({self.missed} missed; webhook {self.status})"
        )


def p95(values: list[float]) -> float:
    return pct(values, 0.95)


def popup_round(
    world: World, url: str, tabs: TabHosts, number: int, loop: LoopThread, *, wait_s: float = 10
) -> Round:
    """Revoke the demo's source number ``number`` and time its pop-up data in every tab."""
    handle, open_id = world.demo.sources[number]
    tabs.arm(handle, wait_s)
    response, began = loop.run(revoke(world, url, open_id))
    arrived = tabs.collect()
    latencies = [(t - began) * 1000 for t in arrived if t is not None]
    return Round(handle, latencies, len(arrived) - len(latencies), response.status_code)


def cpu_since(topo: Topology, before: dict[str, float]) -> str:
    """CPU seconds each part used since ``before`` (all share the machine's cores)."""
    now = topo.cpu_seconds()
    return ", ".join(f"{k} {now[k] - v:.1f}" for k, v in before.items() if k in now)


def post_login(topo: Topology, base: str, email: str) -> httpx.Response:
    """The login form posted as a browser on Caddy's address does (a wrong password)."""
    return httpx.post(
        f"{base}/auth/login",
        data={"email": email, "password": "not-the-password"},
        headers={
            "host": topo.url.removeprefix("http://"),
            "origin": topo.url,
            "accept": "text/html",
        },
        timeout=30,
    )


async def chromium_alerts(pages: list[object], handle: str) -> None:
    """Each Chromium tab's pop-up names the revoked source (Playwright's ``expect``)."""
    from playwright.async_api import expect

    for page in pages:
        alert = page.get_by_test_id("disconnection-alert")
        await expect(alert).to_contain_text(f"@{handle}", timeout=10_000)
