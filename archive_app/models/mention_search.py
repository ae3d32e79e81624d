"""Searching mentions fast, per database: the Feed's search box at a million mentions.

A search finds the mentions whose caption contains the term, or whose creator's handle does
(``services/mentions/feed_search.py``). Handles are looked up among the workspace's creators
(thousands of rows, not a million), then their mentions by ``ix_mentions_creator``: every
mention's handle has the trigrams of ``creator.``-like names, which made a handle search read
the whole index (45 ms at a million mentions, ``bench/feed.py``). Captions:

- PostgreSQL: a GIN trigram index on ``caption`` (``mentions.py``), used by ``ILIKE '%term%'``.
- SQLite: an FTS5 index with the trigram tokenizer, ``mention_search``, over ``caption`` of
  ``mentions``, kept in step by triggers. It is contentless (it stores only the index) and its
  rowid is not the mention's id but :data:`KEY`, ``posted_at``'s second and the id in one
  number (second × 2^31 + id): the index hands back matches newest first
  (``ORDER BY rowid DESC``), so the Feed's page of a word in 1 % of a million captions reads
  its 25 newest matches, not all 10,000 (``services/mentions/feed_search.py``). ``search_ids``
  gives the ids of every match (for counts); terms under 3 characters cannot use trigrams and
  fall back to ``LIKE``.

The SQLite statements run after ``mentions`` is created (``create_all`` in tests) and in
migration ``b3f1c7d9e2a4`` (``9e4b7c1d2a63`` made the first index, over caption and handle). A
later migration that rebuilds ``mentions`` on SQLite (Alembic's batch mode copies the table)
must create the triggers again.
"""

from __future__ import annotations

from sqlalchemy import DDL, Integer, Table, column, event, table, text
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import TextualSelect

ID_BITS = 31  # ids stay under 2^31 (an INTEGER column on PostgreSQL too)
ID_MASK = (1 << ID_BITS) - 1


def search_key(row: str) -> str:
    """SQL for a mention's search key: its ``posted_at`` second, then its id."""
    return f"((CAST(strftime('%s', {row}.posted_at) AS INTEGER) << {ID_BITS}) | {row}.id)"


def _forget(row: str) -> str:
    return (
        "INSERT INTO mention_search(mention_search, rowid, caption) "  # noqa: S608
        f"VALUES ('delete', {search_key(row)}, {row}.caption); "
    )


SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS mention_search USING fts5("
    "caption, content='', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS mention_search_insert AFTER INSERT ON mentions BEGIN "  # noqa: S608
    f"INSERT INTO mention_search(rowid, caption) VALUES ({search_key('new')}, new.caption); END",
    f"CREATE TRIGGER IF NOT EXISTS mention_search_delete AFTER DELETE ON mentions BEGIN "
    f"{_forget('old')}END",
    "CREATE TRIGGER IF NOT EXISTS mention_search_update "  # noqa: S608
    f"AFTER UPDATE OF caption, posted_at ON mentions BEGIN {_forget('old')}"
    f"INSERT INTO mention_search(rowid, caption) VALUES ({search_key('new')}, new.caption); END",
)
# The rows already there (the migration's).
SQLITE_FILL = (
    "INSERT INTO mention_search(rowid, caption) "  # noqa: S608
    f"SELECT {search_key('mentions')}, caption FROM mentions",
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
        ddl = DDL(statement.replace("%", "%%"))  # type: ignore[no-untyped-call]  # DDL formats %
        event.listen(table, "after_create", ddl.execute_if(dialect="sqlite"))
    for statement in SQLITE_DROP:
        ddl = DDL(statement)  # type: ignore[no-untyped-call]
        event.listen(table, "before_drop", ddl.execute_if(dialect="sqlite"))


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


KeyRange = tuple[int, int]  # search keys from (inclusive) .. to (exclusive): key_of


def within(keys: KeyRange | None) -> str:
    """SQL narrowing an index's rows to ``keys`` (posted in a range of seconds): the index
    then reads only that stretch of its lists."""
    return "" if keys is None else f" AND rowid >= {int(keys[0])} AND rowid < {int(keys[1])}"


def search_ids(term: str, keys: KeyRange | None = None) -> TextualSelect:
    """SQLite: the ids of mentions whose caption contains ``term`` (3+ characters), posted
    within ``keys`` if given."""
    return (
        text(
            f"SELECT rowid & {ID_MASK} AS id FROM mention_search "  # noqa: S608
            "WHERE mention_search MATCH :search_phrase" + within(keys)
        )
        .bindparams(search_phrase=_phrase(term))
        .columns(column("id"))
    )


SEARCH = table("mention_search", column("rowid", Integer), column("mention_search"))


def caption_match(term: str) -> ColumnElement[bool]:
    """SQLite: ``mention_search``'s rows (:data:`SEARCH`) whose caption contains ``term``."""
    return SEARCH.c.mention_search.op("MATCH")(_phrase(term))


def key_of(second: int, mention_id: int = 0) -> int:
    return (second << ID_BITS) | mention_id
