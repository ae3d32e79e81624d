"""Fixtures for the job tests: the app's own settings/engine pointed at a temp data dir."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import SQLModel

from archive_app.db import get_engine
from archive_app.jobs import scheduler
from archive_app.settings import Settings, get_settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def app_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """What the jobs open themselves (get_settings/get_engine), on a temp SQLite database,
    with SMTP pointed at a free port (start a sink there to receive)."""
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ARCHIVE_DATABASE_URL", f"sqlite:///{tmp_path}/app.db")
    monkeypatch.setenv("ARCHIVE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ARCHIVE_SMTP_PORT", str(_free_port()))
    get_settings.cache_clear()
    get_engine.cache_clear()
    engine = get_engine()
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture
def app_settings(app_engine: Engine) -> Settings:
    return get_settings()


@pytest.fixture
def job_registry() -> Iterator[None]:
    """Jobs a test registers are gone after it."""
    before = set(scheduler.job_names())
    yield
    for name in set(scheduler.job_names()) - before:
        scheduler.unregister_job(name)
