"""Alembic environment: the app's own settings URL and ``SQLModel.metadata``.

There is no alembic.ini: configuration lives in ``[tool.alembic]`` of pyproject.toml, and the
database URL comes from ``ARCHIVE_DATABASE_URL`` (or the data dir default) via the app's settings.
"""

from sqlalchemy import text
from sqlmodel import SQLModel

import archive_app.models  # noqa: F401  (registers every table)
from alembic import context
from archive_app.db import make_engine
from archive_app.models.base import include_for
from archive_app.settings import get_settings

config = context.config
MIGRATION_LOCK_KEY = 0x41524348  # "ARCH"; not the scheduler's leader lock
target_metadata = SQLModel.metadata


def _url() -> str:
    return config.attributes.get("url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = _url()
    if url.startswith("sqlite"):
        get_settings().data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # Replicas starting together migrate one at a time; the lock ends with the session.
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            conn.commit()
        _run(conn)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite can only ALTER through table copies
        compare_type=True,
        include_object=include_for(connection.dialect.name),  # type: ignore[attr-defined]
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
