"""The migrations build exactly the tables the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from alembic import command
from archive_app.db import make_engine
from archive_app.models.base import include_for

ROOT = Path(__file__).resolve().parents[2]


def _config(url: str) -> Config:
    config = Config(toml_file=str(ROOT / "pyproject.toml"))
    config.attributes["url"] = url
    return config


def test_there_is_exactly_one_head():
    heads = ScriptDirectory.from_config(_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}; merge them"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_to_head_matches_the_models_and_downgrades_cleanly(backend, tmp_path, request):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrated.db'}"
    else:
        url = request.getfixturevalue("empty_postgres_database")
    config = _config(url)
    command.upgrade(config, "head")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(
                    conn,
                    opts={"compare_type": True, "include_object": include_for(conn.dialect.name)},
                ),
                SQLModel.metadata,
            )
        assert diff == [], f"models and migrations differ: {diff}"
        command.downgrade(config, "base")
        with engine.connect() as conn:
            tables = set(engine.dialect.get_table_names(conn)) - {"alembic_version"}
        assert tables == set()
        command.upgrade(config, "head")  # and back up again: nothing left half-done
    finally:
        engine.dispose()
