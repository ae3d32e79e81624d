"""Shared fixtures. Database-backed tests run on SQLite, and on PostgreSQL too when
``ARCHIVE_DATABASE_URL`` points at one (``.ci/run`` sets it when the local server answers).

The two scale-out variables are taken out of the environment here so that code under test never
picks them up by accident: tests ask for PostgreSQL or Redis explicitly through fixtures.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel
from starlette.applications import Starlette

POSTGRES_URL = os.environ.pop("ARCHIVE_DATABASE_URL", "")
REDIS_URL = os.environ.pop("ARCHIVE_REDIS_URL", "")
os.environ.setdefault("ARCHIVE_MODE", "test")
os.environ.setdefault("ARCHIVE_DATA_DIR", tempfile.mkdtemp(prefix="archive-test-"))
os.environ.setdefault("ARCHIVE_SCHEDULER_ENABLED", "false")
os.environ.setdefault("PYTEST_CURRENT_TEST", "conftest")

import archive_app.models  # noqa: E402,F401  (registers every table)
from archive_app import deps as deps_module  # noqa: E402
from archive_app.clock import Clock, app_clock  # noqa: E402
from archive_app.db import make_engine  # noqa: E402
from archive_app.deps import Deps, build_deps  # noqa: E402
from archive_app.services import auth as auth_service  # noqa: E402
from archive_app.settings import Settings  # noqa: E402
from archive_app.simulator import simulator_mounts  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: sync Playwright keeps an event loop running while it is open,
    and no async test can start after it in the same process until it closes."""
    items.sort(key=lambda item: "tests/browser/" in str(item.path))


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashes() -> Iterator[None]:
    """Argon2id at the library's parameters (64 MiB, 3 passes) costs 60-120 ms a hash here,
    and the login-throttle tests count hundreds of failures: in this process passwords are
    hashed with the smallest parameters (still argon2id). The app's own processes (browser,
    deploy and scale tests) keep the real ones."""
    real = auth_service._hasher
    auth_service._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    auth_service._hasher = real


BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL.startswith("postgresql") else [])


@contextmanager
def temporary_postgres_database() -> Iterator[str]:
    """A throw-away database on the local server, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("ARCHIVE_DATABASE_URL is not set to PostgreSQL")
    name = f"archive_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """The session's PostgreSQL database for table-level tests (tables made by create_all)."""
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture
def empty_postgres_database() -> Iterator[str]:
    """A database of the test's own, with no tables (for migrations)."""
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture(scope="session", params=BACKENDS)
def schema_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'archive.db'}")
    else:
        engine = make_engine(request.getfixturevalue("postgres_database"))
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(schema_engine: Engine) -> Iterator[Engine]:
    """An empty database with every table (emptied again after the test)."""
    yield schema_engine
    with schema_engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s
        s.rollback()


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path


def build_test_deps(
    engine: Engine,
    settings: Settings,
    *,
    clock: Clock | None = None,
    simulator: Starlette | None = None,
    **kw: object,
) -> Deps:
    """The app's ``Deps`` on the test's database, with TikTok answered by the in-process
    simulator (its routes over an ASGI transport: no port, no network). Pass ``simulator`` to
    drive the same one from the test (its consent page, its control API)."""
    the_clock = clock if clock is not None else app_clock()
    if simulator is None:
        simulator = Starlette(routes=simulator_mounts(settings, clock=the_clock))  # type: ignore[arg-type]
    return build_deps(
        settings,
        engine=engine,
        clock=the_clock,
        transport=httpx.ASGITransport(app=simulator),
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def test_settings(tmp_path: Path) -> Settings:
    return Settings(mode="test", data_dir=tmp_path)


@pytest.fixture
def app_deps(engine: Engine, test_settings: Settings) -> Iterator[Deps]:
    """``Deps`` built on ``engine`` and installed, as ``archive_app.py`` does for the app
    (States read it through ``deps.current()``)."""
    yield deps_module.install(build_test_deps(engine, test_settings))
    deps_module.uninstall()
