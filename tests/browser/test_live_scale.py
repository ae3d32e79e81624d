"""The live layer scaled out: PostgreSQL, Redis and two workers, as `.ci/run` provides them.

Skipped, with the reason, when ``ARCHIVE_DATABASE_URL`` (PostgreSQL) or ``ARCHIVE_REDIS_URL``
is not set. Tabs are real sockets connecting as Chromium does (bench/tabs.py); each lands on
whichever worker accepts it, so a revocation posted to one worker must reach tabs on both.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from archive_app.db import make_engine
from archive_app.settings import Mode, Settings
from archive_app.states.team import TeamState
from bench.push import ProcessTree
from bench.tabs import Tab, alerts_mention, boot_info, open_tabs
from tests.browser.conftest import RunningApp, launch_app
from tests.browser.live_team import Team, make_team, mentions, send_revocation
from tests.conftest import POSTGRES_URL, REDIS_URL, temporary_postgres_database

TABS = 24


def socket_holders(app: RunningApp) -> dict[int, int]:
    """Which server process holds how many established connections on the app's port."""
    port = int(urlsplit(app.url).port or 0)
    established = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                established.add(fields[9])  # inode
    held: dict[int, int] = {}
    for pid in ProcessTree(app.pid).pids():
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in established:
                    held[pid] = held.get(pid, 0) + 1
    return held


@pytest.fixture(scope="module")
def redis_database() -> Iterator[str]:
    """An empty Redis database of this module's own (flushed afterwards)."""
    if not REDIS_URL:
        pytest.skip("ARCHIVE_REDIS_URL is not set: the two-worker test needs Redis")
    import redis

    parts = urlsplit(REDIS_URL)
    for index in range(15, 0, -1):
        url = urlunsplit(parts._replace(path=f"/{index}"))
        client = redis.Redis.from_url(url)
        if client.dbsize() == 0:
            break
        client.close()
    else:
        pytest.skip("no empty Redis database (1-15) to run the two-worker test in")
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@pytest.fixture(scope="module")
def scaled_app(inbox, redis_database, tmp_path_factory) -> Iterator[RunningApp]:
    if not POSTGRES_URL.startswith("postgresql"):
        pytest.skip("ARCHIVE_DATABASE_URL is not set to PostgreSQL")
    with temporary_postgres_database() as database_url:
        env = {
            "ARCHIVE_DATABASE_URL": database_url,
            "ARCHIVE_REDIS_URL": redis_database,
            "GRANIAN_WORKERS": "2",
        }
        data_dir = tmp_path_factory.mktemp("scaled-app")
        with launch_app(data_dir, smtp_port=inbox.port, env=env, backend_only=True) as app:
            app.database_url = database_url  # type: ignore[attr-defined]
            yield app


@pytest.fixture(scope="module")
def team(scaled_app) -> Team:
    settings = Settings(
        mode=Mode.test,
        data_dir=scaled_app.data_dir,
        public_url=scaled_app.url,
        database_url=scaled_app.database_url,
    )
    return make_team(scaled_app.url, settings, name="scalebrand")


def test_two_workers_listen_on_the_live_channel(scaled_app, redis_database):
    import redis

    from archive_app.live import CHANNEL

    client = redis.Redis.from_url(redis_database)
    channel = f"{CHANNEL}:{urlsplit(redis_database).path.strip('/')}"
    try:
        assert dict(client.pubsub_numsub(channel)) == {channel.encode(): 2}
    finally:
        client.close()


def test_a_revocation_reaches_every_tab_on_either_worker_and_only_once(team, scaled_app):
    async def go() -> None:
        boot = await asyncio.to_thread(boot_info)
        tabs = await open_tabs(team.url, team.owner_cookie, TABS, boot=boot)
        await asyncio.gather(*(t.wait_hydrated() for t in tabs))
        holders = socket_holders(scaled_app)
        assert len(holders) == 2, f"the tabs did not land on both workers: {holders}"
        await send_revocation(team)
        await asyncio.gather(*(t.wait_for(alerts_mention(team.handle), timeout=20) for t in tabs))
        await asyncio.sleep(1.0)
        for tab in tabs:  # one pop-up per tab, not one per worker
            assert sum(alerts_mention(team.handle)(f) for f in tab.frames) == 1
        await asyncio.gather(*(t.disconnect() for t in tabs))

    asyncio.run(go())
    assert "Traceback" not in scaled_app.log_path.read_text()


def test_a_removed_members_tabs_on_either_worker_are_sent_away_at_once(team, scaled_app):
    async def go() -> None:
        boot = await asyncio.to_thread(boot_info)
        member_tabs = await open_tabs(team.url, team.member_cookie, 8, boot=boot)
        owner = Tab(team.url, cookie=team.owner_cookie, boot=boot)
        await owner.connect()
        await asyncio.gather(owner.wait_hydrated(), *(t.wait_hydrated() for t in member_tabs))
        await owner.emit(
            f"{TeamState.get_full_name()}.remove_member", {"member_user_id": team.member_id}
        )
        await asyncio.gather(
            *(t.wait_for(mentions("/login?notice=removed"), timeout=20) for t in member_tabs)
        )
        await owner.disconnect()
        await asyncio.gather(*(t.disconnect() for t in member_tabs))

    asyncio.run(go())


def test_one_worker_holds_the_leader_lock_so_each_job_runs_once_per_tick(scaled_app):
    from sqlalchemy import text

    engine = make_engine(scaled_app.database_url)
    try:
        with engine.connect() as conn:
            held = conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND database = (SELECT oid FROM pg_database "
                    "WHERE datname = current_database())"
                )
            ).scalar()
    finally:
        engine.dispose()
    assert held == 1, f"{held} processes hold the scheduler's leader lock"
