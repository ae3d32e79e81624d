"""Issue 23, item 8: a Redis restart must not leave a worker half-deaf.

Reflex's token manager listens on two Redis subscriptions per worker (lost-and-found: updates
another worker meant for a socket this one holds; socket records: which worker holds which tab).
Reflex runs each under ``ensure_task``, which gives up for good after 5 errors in 60 s and is
only started again when a new socket connects. These tests use Reflex's real
``RedisTokenManager`` against a Redis server of their own (started, stopped and started again
on one port), and the worker's real keeper loop (``live.channel.keep_reflex_subscriptions``).
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis
from reflex.state import StateUpdate
from reflex.utils.token_manager import LostAndFoundRecord, RedisTokenManager

from archive_app.live.channel import keep_reflex_subscriptions
from archive_app.live.reflex_internals import revive_redis_subscriptions
from tests.ports import free_port

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")


@dataclass
class RedisServer:
    """A redis-server of the test's own, on one port, that can be stopped and started again."""

    port: int
    folder: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(
            [
                *(REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port, socket_timeout=0.5).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(port=free_port(), folder=tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Delivered:
    """What the token manager handed to the worker's emit_update (token → updates)."""

    updates: list[tuple[str, StateUpdate]] = field(default_factory=list)

    async def emit_update(self, update: StateUpdate, token: str) -> None:
        self.updates.append((token, update))


@pytest.fixture
async def worker(
    redis_server: RedisServer,
) -> AsyncIterator[tuple[RedisTokenManager, Delivered, Any]]:
    """Reflex's token manager on the test's Redis, as a worker's event namespace holds it."""
    manager = RedisTokenManager(aioredis.Redis.from_url(redis_server.url))
    delivered = Delivered()
    app = SimpleNamespace(
        event_namespace=SimpleNamespace(_token_manager=manager, emit_update=delivered.emit_update)
    )
    # What Reflex does at a socket's connect and link.
    manager.ensure_lost_and_found_task(delivered.emit_update)
    manager._ensure_socket_record_task()
    try:
        yield manager, delivered, app
    finally:
        await manager.close()


async def _lost_and_found_arrives(
    manager: RedisTokenManager, delivered: Delivered, url: str, *, seconds: float
) -> bool:
    """Publish, as another worker would, an update for a tab this worker holds; True when
    the worker's emit_update receives it within ``seconds``."""
    token = f"tab-{time.monotonic_ns()}"
    record = LostAndFoundRecord(token=token, update=StateUpdate(delta={"x": {"y": 1}}))
    channel = f"channel:{manager._get_lost_and_found_key(manager.instance_id)}"
    publisher = aioredis.Redis.from_url(url)
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await publisher.publish(channel, pickle.dumps(record))
            await asyncio.sleep(0.1)
            if any(t == token for t, _ in delivered.updates):
                return True
        return False
    finally:
        await publisher.aclose()


async def _until_both_stopped(manager: RedisTokenManager, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not (manager._lost_and_found_task.done() and manager._socket_record_task.done()):  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "Reflex's subscriptions kept running without Redis"
        await asyncio.sleep(0.2)


async def test_reflex_stops_both_subscriptions_for_good_when_redis_is_down_a_few_seconds(
    worker: tuple[RedisTokenManager, Delivered, Any], redis_server: RedisServer
) -> None:
    manager, delivered, _app = worker
    assert await _lost_and_found_arrives(manager, delivered, redis_server.url, seconds=5)
    redis_server.stop()
    await _until_both_stopped(manager, seconds=20)  # 5 errors, 1 s apart
    redis_server.start()
    # Nothing starts them again by itself: the worker no longer hears the other workers.
    assert not await _lost_and_found_arrives(manager, delivered, redis_server.url, seconds=2)


async def test_revive_restarts_only_the_subscriptions_that_stopped(
    worker: tuple[RedisTokenManager, Delivered, Any], redis_server: RedisServer
) -> None:
    manager, delivered, app = worker
    assert revive_redis_subscriptions(app) == []  # both running: nothing to do
    redis_server.stop()
    await _until_both_stopped(manager, seconds=20)
    redis_server.start()
    assert sorted(revive_redis_subscriptions(app)) == ["lost_and_found", "socket_record"]
    assert not manager._lost_and_found_task.done()  # type: ignore[union-attr]
    assert await _lost_and_found_arrives(manager, delivered, redis_server.url, seconds=5)


async def test_the_workers_keeper_brings_lost_and_found_back_after_quick_redis_restarts(
    worker: tuple[RedisTokenManager, Delivered, Any],
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    manager, delivered, app = worker
    keeper = asyncio.get_running_loop().create_task(keep_reflex_subscriptions(app, every=0.2))
    try:
        with caplog.at_level(logging.WARNING, logger="archive_app.live"):
            # Two quick restarts, then an outage longer than Reflex's 5 tries a second apart.
            for down in (1, 1, 7):
                redis_server.stop()
                await asyncio.sleep(down)
                redis_server.start()
            assert await _lost_and_found_arrives(manager, delivered, redis_server.url, seconds=10)
        assert "lost_and_found subscription on Redis had stopped; started it again" in caplog.text
        assert "socket_record subscription on Redis had stopped; started it again" in caplog.text
        assert not manager._socket_record_task.done()  # type: ignore[union-attr]
    finally:
        keeper.cancel()
        with pytest.raises(asyncio.CancelledError):
            await keeper
