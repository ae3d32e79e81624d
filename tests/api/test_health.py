"""``GET /_health``: 200 while the database answers, 503 once it is gone."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from alembic.config import Config
from starlette.applications import Starlette

from alembic import command
from archive_app.api.health import health_routes
from archive_app.db import make_engine
from archive_app.settings import Mode, Settings
from tests.conftest import build_test_deps
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def _migrated_sqlite(path: Path) -> str:
    url = f"sqlite:///{path}"
    config = Config(toml_file=str(ROOT / "pyproject.toml"))
    config.attributes["url"] = url
    command.upgrade(config, "head")
    return url


async def _health(url: str, tmp_path: Path) -> httpx.Response:
    settings = Settings(_env_file=None, mode=Mode.test, data_dir=tmp_path)
    engine = make_engine(url)
    try:
        app = Starlette(routes=health_routes(build_test_deps(engine, settings), timeout=10))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:
            return await client.get("/_health")
    finally:
        engine.dispose()


async def test_health_is_ok_with_the_migrated_database(tmp_path):
    response = await _health(_migrated_sqlite(tmp_path / "a.db"), tmp_path)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["schema"]


async def test_health_is_503_when_the_sqlite_file_was_deleted(tmp_path):
    path = tmp_path / "a.db"
    url = _migrated_sqlite(path)
    for leftover in tmp_path.glob("a.db*"):
        os.remove(leftover)
    response = await _health(url, tmp_path)
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


async def test_health_is_503_when_the_database_server_does_not_answer(tmp_path):
    # nothing listens on this port: PostgreSQL is "gone"
    response = await _health(f"postgresql://archive@127.0.0.1:{free_port()}/archive", tmp_path)
    assert response.status_code == 503


@pytest.mark.postgres
async def test_health_is_503_after_the_postgres_database_is_dropped(tmp_path):
    from tests.conftest import temporary_postgres_database

    with temporary_postgres_database() as url:
        config = Config(toml_file=str(ROOT / "pyproject.toml"))
        config.attributes["url"] = url
        command.upgrade(config, "head")
        assert (await _health(url, tmp_path)).status_code == 200
    assert (await _health(url, tmp_path)).status_code == 503
