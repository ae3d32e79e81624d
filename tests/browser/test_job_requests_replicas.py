"""Issue 19, item 2: a job asked for on a replica that does not run the jobs is run by the one
that does. Two app processes (replicas, each on its own port) share PostgreSQL and Redis;
skipped, with the reason, without them.

The first replica started takes the scheduler's leader lock; a source is connected through the
second one's OAuth routes, and a Feed tab open on the second replica shows the source's
mention within 10 s: the leader polled it at once, not at its 10-minute tick.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlmodel import Session

from archive_app.db import make_engine
from archive_app.services.signup import sign_up
from archive_app.states.feed import FeedState
from bench.tabs import Tab, boot_info, new_count
from tests.browser.conftest import RunningApp, launch_app
from tests.browser.live_team import mentions
from tests.browser.test_live_scale import redis_database  # noqa: F401  (module-scoped fixture)
from tests.conftest import POSTGRES_URL, temporary_postgres_database

LEADER_LINE = "this process is the scheduler leader"


def _leader_locks(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                        "AND database = (SELECT oid FROM pg_database "
                        "WHERE datname = current_database())"
                    )
                ).scalar()
                or 0
            )
    finally:
        engine.dispose()


def _wait(predicate, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not within {seconds} s")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def replicas(
    inbox,
    redis_database,  # noqa: F811
    tmp_path_factory,
) -> Iterator[tuple[RunningApp, RunningApp, str]]:
    """(leader, follower, database URL): the leader is started, and holds the lock, first."""
    if not POSTGRES_URL.startswith("postgresql"):
        pytest.skip("ARCHIVE_DATABASE_URL is not set to PostgreSQL")
    with temporary_postgres_database() as database_url, ExitStack() as stack:
        shared = {
            "ARCHIVE_DATABASE_URL": database_url,
            "ARCHIVE_REDIS_URL": redis_database,
            # Tokens one replica stored, the other decrypts.
            "ARCHIVE_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "ARCHIVE_SEED_DEMO": "false",
            "GRANIAN_WORKERS": "1",
        }
        leader = stack.enter_context(
            launch_app(
                tmp_path_factory.mktemp("replica-a"),
                smtp_port=inbox.port,
                env=shared,
                backend_only=True,
            )
        )
        _wait(lambda: _leader_locks(database_url) == 1, seconds=30, what="a leader")
        sim = f"{leader.url}/_sim"
        follower = stack.enter_context(
            launch_app(
                tmp_path_factory.mktemp("replica-b"),
                smtp_port=inbox.port,
                # One TikTok for both: the leader's simulator.
                env={
                    **shared,
                    "ARCHIVE_TIKTOK_LOGIN_BASE_URL": f"{sim}/open",
                    "ARCHIVE_TIKTOK_BUSINESS_BASE_URL": f"{sim}/business/open_api/v1.3",
                    "ARCHIVE_TIKTOK_AUTHORIZE_URL": f"{sim}/www/v2/auth/authorize/",
                    "ARCHIVE_TIKTOK_DM_BASE_URL": f"{sim}/open",
                },
                backend_only=True,
            )
        )
        yield leader, follower, database_url


def _owner_cookie(database_url: str) -> str:
    engine = make_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as s:
            owner = sign_up(
                s,
                email=f"owner@replicas-{uuid.uuid4().hex[:8]}.com",
                password="replica-pass",
                workspace_name="Replicas",
                now=datetime.now(UTC),
            )
            s.commit()
    finally:
        engine.dispose()
    return f"archive_session={owner.session_token}"


def _log(app: RunningApp) -> str:
    return Path(app.log_path).read_text()


def test_a_source_connected_on_the_replica_that_does_not_lead_shows_its_mention_within_10_s(
    replicas,
):
    leader, follower, database_url = replicas
    assert LEADER_LINE in _log(leader)
    assert _leader_locks(database_url) == 1  # the follower did not take it
    cookie = _owner_cookie(database_url)
    caption = f"replica mention {uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=f"{leader.url}/_sim/control", timeout=10) as control:
        assert control.post("/accounts", json={"username": "replicabrand"}).status_code < 300
        # Posted before the source exists: no webhook carries it, only a poll can find it.
        posted = control.post(
            "/mentions",
            json={"brand_username": "replicabrand", "creator_handle": "ann", "caption": caption},
        )
    assert posted.status_code < 300, posted.text

    async def go() -> float:
        boot = await asyncio.to_thread(boot_info)
        async with Tab(follower.url, cookie=cookie, path="/feed/", boot=boot) as feed:
            await feed.wait_hydrated()
            assert feed.find(mentions(caption)) is None
            async with httpx.AsyncClient(headers={"Cookie": cookie}, timeout=10) as browser:
                start = await browser.get(f"{follower.url}/oauth/tiktok/v2/start")
                assert start.status_code in (302, 303, 307), start.text
                consent = await browser.post(
                    start.headers["location"],
                    data={"username": "replicabrand", "decision": "authorize"},
                )
                back = consent.headers["location"]
                assert back.startswith(f"{follower.url}/oauth/tiktok/callback"), back
                done = await browser.get(back)
                assert done.status_code == 303, done.text
                assert "connected=" in done.headers["location"]
                connected_at = time.monotonic()
            # The tab is told at once: "1 new mention" (states/feed.py), then shows it.
            await feed.wait_for(new_count(1), timeout=10)
            seconds = time.monotonic() - connected_at
            await feed.emit(f"{FeedState.get_full_name()}.show_new")
            await feed.wait_for(mentions(caption), timeout=10)
            return seconds

    seconds = asyncio.run(go())
    assert seconds < 10
    assert LEADER_LINE not in _log(follower)
    for app in (leader, follower):
        assert "Traceback" not in _log(app)
