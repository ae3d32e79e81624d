"""Where a caption's words meet: the index that finds a phrase of common words fast.

A phrase such as "review morning routine" is made of words that are each in a quarter of the
captions, so every trigram of it is common: PostgreSQL's trigram index (whose trigrams never
span two words) ends up reading the lists of all three words and rechecking thousands of rows,
and SQLite's trigram index walks twenty long lists (129 ms and 30 ms at a million mentions;
160 ms on SQLite for such a phrase found nowhere). What is rare is the *seam* between two
words: the last three letters of one and the first three of the next ("iew mor").

:func:`seams` gives a text's seams: split at ASCII whitespace, lower-cased, one per pair of
neighbouring words. :func:`term_seams` gives the seams that *every* caption containing the
term must have: the term's first word may be the end of a longer word in the caption and its
last word the start of one, so a seam next to them is known only when that word has three
letters or more; the words in between are whole words of the caption. A caption that
contains the term therefore has all of its seams, and the search rechecks the few captions
that have them all (``services/mentions/feed_search.py``).

- PostgreSQL: a GIN index on the expression ``caption_seams(caption)``, an immutable SQL
  function that returns the seams as ``text[]`` (:data:`POSTGRES_FUNCTION`); a search asks
  ``caption_seams(caption) @> ARRAY[...]``.
- SQLite: ``mention_seams``, a contentless FTS5 index kept by triggers like
  ``mention_search`` (``models/mention_search.py``), with the same time-ordered rowid, so it
  hands back matches newest first. Its text is made by ``caption_seams``, a Python function
  that ``db.make_engine`` registers on every connection (so a connection that has not got it,
  such as the ``sqlite3`` shell, cannot write ``mentions``). Each seam is one token, its UTF-8
  in hex, whatever characters it has.

Only ASCII terms use seams: both databases then lower-case the term as Python does (a letter
outside ASCII may lower-case differently in PostgreSQL). Other terms, a term of one word, and
a term with no known seam ("a b") use the trigram indexes as before.
"""

from __future__ import annotations

import itertools
import re

from sqlalchemy import Integer, Table, column, table
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import TextualSelect

from archive_app.models import mention_search
from archive_app.models.base import attach_ddl

SIDE = 3  # letters taken from each side of a seam
_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _words(text: str) -> list[str]:
    return [word for word in _WHITESPACE.split(text) if word]


def _seam(left: str, right: str) -> str:
    return f"{left[-SIDE:]} {right[:SIDE]}"


def seams(text: str) -> list[str]:
    """The seams of a caption (ASCII letters lower-cased, as SQLite's ``LIKE`` compares)."""
    words = _words(text.translate(_ASCII_LOWER))
    return sorted({_seam(a, b) for a, b in itertools.pairwise(words)})


def term_seams(term: str) -> list[str]:
    """The seams every caption containing ``term`` has; none when the term cannot use them."""
    if not term.isascii():
        return []
    words = _words(term.lower())
    last = len(words) - 1
    return sorted(
        {
            _seam(words[i], words[i + 1])
            for i in range(last)
            if (i > 0 or len(words[0]) >= SIDE) and (i + 1 < last or len(words[last]) >= SIDE)
        }
    )


def fts_text(text: str | None) -> str:
    """SQLite: the text ``mention_seams`` indexes, one hex token per seam."""
    return " ".join(seam.encode().hex() for seam in seams(text or ""))


def fts_query(keys: list[str]) -> str:
    """SQLite: the MATCH expression asking for every one of ``keys`` (from :func:`term_seams`)."""
    return " AND ".join(key.encode().hex() for key in keys)


# PostgreSQL. Splitting at the same six ASCII whitespace characters as _WHITESPACE; lower()
# is the one ILIKE uses, and for an ASCII term the one Python's str.lower() gives.
POSTGRES_FUNCTION = r"""
CREATE OR REPLACE FUNCTION caption_seams(caption text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT coalesce(array_agg(DISTINCT right(w[i], 3) || ' ' || left(w[i + 1], 3)), '{}')
FROM (SELECT array_remove(regexp_split_to_array(lower(caption), '[ \t\n\r\f\v]+'), '') AS w) s,
     generate_series(1, cardinality(w) - 1) AS i
$$
"""
POSTGRES_INDEX = (
    "CREATE INDEX IF NOT EXISTS ix_mentions_caption_seams ON mentions "
    "USING gin (caption_seams(caption))"
)
POSTGRES_DROP = (
    "DROP INDEX IF EXISTS ix_mentions_caption_seams",
    "DROP FUNCTION IF EXISTS caption_seams(text)",
)

# SQLite: kept like mention_search, over caption_seams(caption).
SEAMS_TABLE = "mention_seams"
SQLITE_SEAMS, SQLITE_FILL, SQLITE_DROP = mention_search.kept_index(
    SEAMS_TABLE,
    "seams",
    lambda row: f"caption_seams({row}.caption)",
    "content='', tokenize='ascii', detail='none'",
)


SEAMS = table(SEAMS_TABLE, column("rowid", Integer), column(SEAMS_TABLE))


def seams_match(keys: list[str]) -> ColumnElement[bool]:
    """SQLite: ``mention_seams``' rows (:data:`SEAMS`) that have every one of ``keys``."""
    return SEAMS.c.mention_seams.op("MATCH")(fts_query(keys))


def seam_ids(keys: list[str], posted: mention_search.KeyRange | None = None) -> TextualSelect:
    """SQLite: the ids of mentions whose caption has every one of ``keys`` (to recheck),
    posted within ``posted`` if given."""
    return mention_search.index_ids(SEAMS_TABLE, fts_query(keys), posted)


def register(dbapi_connection: object) -> None:
    """SQLite: the ``caption_seams`` function the triggers call (``db.make_engine``)."""
    dbapi_connection.create_function(  # type: ignore[attr-defined]
        "caption_seams", 1, fts_text, deterministic=True
    )


def attach(table: Table) -> None:
    """Create the seams index with the table (tests build tables with create_all)."""
    attach_ddl(table, "sqlite", SQLITE_SEAMS, SQLITE_DROP)
    attach_ddl(table, "postgresql", (POSTGRES_FUNCTION, POSTGRES_INDEX), POSTGRES_DROP)
