"""Opening a Redis connection does not look redis-py's version up in the installed packages
again (``reflex_internals.cache_redis_driver_version``): a storm of reconnecting tabs opens
hundreds of connections in Reflex's pool."""

from __future__ import annotations

from importlib import metadata

import pytest
import redis.utils
from redis.asyncio.connection import Connection

from archive_app.live import reflex_internals as rxi


@pytest.fixture
def uncached_lookup():
    """redis-py's own lookup, put back after the test (the app caches it for the process)."""
    saved = redis.utils.get_lib_version
    original = getattr(saved, "__wrapped__", saved)
    redis.utils.get_lib_version = original
    yield original
    redis.utils.get_lib_version = saved


def test_redis_py_still_names_its_version_through_the_lookup_we_cache(uncached_lookup) -> None:
    # What the wrapper relies on: each new connection asks redis.utils.get_lib_version.
    asked: list[str] = []

    def lookup() -> str:
        asked.append("asked")
        return uncached_lookup()

    redis.utils.get_lib_version = lookup
    Connection(host="127.0.0.1", port=1)
    Connection(host="127.0.0.1", port=1)
    assert asked == ["asked", "asked"]


def test_after_caching_the_lookup_runs_once_for_every_connection(uncached_lookup) -> None:
    asked: list[str] = []

    def lookup() -> str:
        asked.append("asked")
        return uncached_lookup()

    redis.utils.get_lib_version = lookup
    assert rxi.cache_redis_driver_version() is True
    assert rxi.cache_redis_driver_version() is True  # once is enough; twice is harmless
    versions = {Connection(host="127.0.0.1", port=1).driver_info.lib_version for _ in range(3)}
    assert asked == ["asked"]
    assert versions == {uncached_lookup()} == {metadata.version("redis")}
