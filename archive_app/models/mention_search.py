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

from collections.abc import Callable

from sqlalchemy import Integer, Table, column, table, text
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import TextualSelect

from archive_app.models.base import attach_ddl

ID_BITS = 31  # ids stay under 2^31 (an INTEGER column on PostgreSQL too)
ID_MASK = (1 << ID_BITS) - 1


def search_key(row: str) -> str:
    """SQL for a mention's search key: its ``posted_at`` second, then its id."""
    return f"((CAST(strftime('%s', {row}.posted_at) AS INTEGER) << {ID_BITS}) | {row}.id)"


def kept_index(
    name: str, column: str, value: Callable[[str], str], options: str
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """SQLite: a contentless FTS5 index ``name`` over ``value(row)`` of each mention (SQL of
    the row's alias: ``new``, ``old``, ``mentions``), keyed by :func:`search_key` and kept by
    triggers; its (create, fill, drop) statements. A contentless index forgets a row only when
    given the very text it indexed, so the triggers give ``value`` of the old row."""

    def forget(row: str) -> str:
        return (
            f"INSERT INTO {name}({name}, rowid, {column}) "  # noqa: S608
            f"VALUES ('delete', {search_key(row)}, {value(row)}); "
        )

    def add(row: str) -> str:
        return f"INSERT INTO {name}(rowid, {column}) VALUES ({search_key(row)}, {value(row)}); "  # noqa: S608

    create = (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {name} USING fts5({column}, {options})",
        f"CREATE TRIGGER IF NOT EXISTS {name}_insert AFTER INSERT ON mentions BEGIN "
        f"{add('new')}END",
        f"CREATE TRIGGER IF NOT EXISTS {name}_delete AFTER DELETE ON mentions BEGIN "
        f"{forget('old')}END",
        f"CREATE TRIGGER IF NOT EXISTS {name}_update "
        f"AFTER UPDATE OF caption, posted_at ON mentions BEGIN {forget('old')}{add('new')}END",
    )
    # The rows already there (the migration's).
    fill = (
        f"INSERT INTO {name}(rowid, {column}) "  # noqa: S608
        f"SELECT {search_key('mentions')}, {value('mentions')} FROM mentions",
    )
    drop = (
        f"DROP TRIGGER IF EXISTS {name}_update",
        f"DROP TRIGGER IF EXISTS {name}_delete",
        f"DROP TRIGGER IF EXISTS {name}_insert",
        f"DROP TABLE IF EXISTS {name}",
    )
    return create, fill, drop


# Tables the FTS5 index is made of: not models, so schema comparisons leave them out.
SEARCH_TABLE = "mention_search"
SQLITE_SEARCH, SQLITE_FILL, SQLITE_DROP = kept_index(
    SEARCH_TABLE, "caption", lambda row: f"{row}.caption", "content='', tokenize='trigram'"
)
MIN_TRIGRAM = 3


def attach(table: Table) -> None:
    """Create the SQLite search index with the table (tests build tables with create_all)."""
    attach_ddl(table, "sqlite", SQLITE_SEARCH, SQLITE_DROP)


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


KeyRange = tuple[int, int]  # search keys from (inclusive) .. to (exclusive): key_of


def within(keys: KeyRange | None) -> str:
    """SQL narrowing an index's rows to ``keys`` (posted in a range of seconds): the index
    then reads only that stretch of its lists."""
    return "" if keys is None else f" AND rowid >= {int(keys[0])} AND rowid < {int(keys[1])}"


def index_ids(name: str, match: str, keys: KeyRange | None = None) -> TextualSelect:
    """SQLite: the ids of mentions the :func:`kept_index` ``name`` finds for the FTS5 query
    ``match``, posted within ``keys`` if given."""
    return (
        text(
            f"SELECT rowid & {ID_MASK} AS id FROM {name} "  # noqa: S608
            f"WHERE {name} MATCH :{name}_match" + within(keys)
        )
        .bindparams(**{f"{name}_match": match})
        .columns(column("id"))
    )


def search_ids(term: str, keys: KeyRange | None = None) -> TextualSelect:
    """SQLite: the ids of mentions whose caption contains ``term`` (3+ characters), posted
    within ``keys`` if given."""
    return index_ids(SEARCH_TABLE, _phrase(term), keys)


SEARCH = table("mention_search", column("rowid", Integer), column("mention_search"))


def caption_match(term: str) -> ColumnElement[bool]:
    """SQLite: ``mention_search``'s rows (:data:`SEARCH`) whose caption contains ``term``."""
    return SEARCH.c.mention_search.op("MATCH")(_phrase(term))


def key_of(second: int, mention_id: int = 0) -> int:
    return (second << ID_BITS) | mention_id
