"""mention search trigram indexes

Revision ID: 9e4b7c1d2a63
Revises: 5c2d8e4b7a10
Create Date: 2026-12-04 10:00:00.000000

The Feed searches captions and creator handles for a term. On PostgreSQL, GIN trigram indexes
serve ILIKE '%term%'; on SQLite, an FTS5 index with the trigram tokenizer over the same columns,
kept in step by triggers (archive_app/models/mention_search.py; the statements are copied here
so this migration never changes). Either way a rare or absent word answers without reading every
row (bench/feed.py).
"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '9e4b7c1d2a63'
down_revision: Union[str, Sequence[str], None] = '5c2d8e4b7a10'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = ("caption", "creator_handle")
SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS mention_search USING fts5("
    "caption, creator_handle, content='mentions', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS mention_search_insert AFTER INSERT ON mentions BEGIN "
    "INSERT INTO mention_search(rowid, caption, creator_handle) "
    "VALUES (new.id, new.caption, new.creator_handle); END",
    "CREATE TRIGGER IF NOT EXISTS mention_search_delete AFTER DELETE ON mentions BEGIN "
    "INSERT INTO mention_search(mention_search, rowid, caption, creator_handle) "
    "VALUES ('delete', old.id, old.caption, old.creator_handle); END",
    "CREATE TRIGGER IF NOT EXISTS mention_search_update "
    "AFTER UPDATE OF caption, creator_handle ON mentions BEGIN "
    "INSERT INTO mention_search(mention_search, rowid, caption, creator_handle) "
    "VALUES ('delete', old.id, old.caption, old.creator_handle); "
    "INSERT INTO mention_search(rowid, caption, creator_handle) "
    "VALUES (new.id, new.caption, new.creator_handle); END",
    "INSERT INTO mention_search(mention_search) VALUES ('rebuild')",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS mention_search_update",
    "DROP TRIGGER IF EXISTS mention_search_delete",
    "DROP TRIGGER IF EXISTS mention_search_insert",
    "DROP TABLE IF EXISTS mention_search",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)
        return
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        op.create_index(
            f"ix_mentions_{column}_trgm",
            "mentions",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DROP:
            op.execute(statement)
        return
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.drop_index(f"ix_mentions_{column}_trgm", table_name="mentions")
