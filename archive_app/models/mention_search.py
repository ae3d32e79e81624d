"""Searching mentions fast, per database: the Feed's search box at 100,000 mentions.

- PostgreSQL: GIN trigram indexes on ``caption`` and ``creator_handle`` (``mentions.py``), used
  by ``ILIKE '%term%'``.
- SQLite: an FTS5 index with the trigram tokenizer, ``mention_search``, over the same two
  columns of ``mentions`` (external content: it stores only the index), kept in step by
  triggers. ``search_ids`` asks it for the ids whose caption or handle contains the term (any
  case); terms under 3 characters cannot use trigrams and fall back to ``LIKE``.

The SQLite statements run after ``mentions`` is created (``create_all`` in tests) and in
migration ``9e4b7c1d2a63``. A later migration that rebuilds ``mentions`` on SQLite (Alembic's
batch mode copies the table) must create the triggers again.
"""

from __future__ import annotations

from sqlalchemy import DDL, Table, column, event, text
from sqlalchemy.sql.selectable import TextualSelect

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
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS mention_search_update",
    "DROP TRIGGER IF EXISTS mention_search_delete",
    "DROP TRIGGER IF EXISTS mention_search_insert",
    "DROP TABLE IF EXISTS mention_search",
)
# Tables the FTS5 index is made of: not models, so schema comparisons leave them out.
SEARCH_TABLE = "mention_search"
MIN_TRIGRAM = 3


def attach(table: Table) -> None:
    """Create the SQLite search index with the table (tests build tables with create_all)."""
    for statement in SQLITE_SEARCH:
        ddl = DDL(statement)  # type: ignore[no-untyped-call]
        event.listen(table, "after_create", ddl.execute_if(dialect="sqlite"))
    for statement in SQLITE_DROP:
        ddl = DDL(statement)  # type: ignore[no-untyped-call]
        event.listen(table, "before_drop", ddl.execute_if(dialect="sqlite"))


def search_ids(term: str) -> TextualSelect:
    """SQLite: the ids of mentions whose caption or handle contains ``term`` (3+ characters)."""
    phrase = '"' + term.replace('"', '""') + '"'
    return (
        text("SELECT rowid FROM mention_search WHERE mention_search MATCH :search_phrase")
        .bindparams(search_phrase=phrase)
        .columns(column("rowid"))
    )
