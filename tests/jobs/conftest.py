"""Fixtures for the job tests: the app's ``Deps`` on a temp SQLite database, with SMTP pointed
at a free port (start a sink there to receive)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import SQLModel

from archive_app.db import engine_for
from archive_app.deps import Deps
from archive_app.settings import Settings
from tests.conftest import build_test_deps
from tests.ports import free_port


@pytest.fixture
def app_settings(tmp_path: Path) -> Settings:
    return Settings(
        mode="test",
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/app.db",
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
    )


@pytest.fixture
def app_engine(app_settings: Settings) -> Iterator[Engine]:
    engine = engine_for(app_settings)
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def job_deps(app_engine: Engine, app_settings: Settings) -> Deps:
    """What the scheduler hands every job's ``run``."""
    return build_test_deps(app_engine, app_settings)
