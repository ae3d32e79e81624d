"""caption seams: phrases of common words found fast

Revision ID: d5e8a1c3f7b9
Revises: b3f1c7d9e2a4
Create Date: 2026-12-06 12:45:00.000000

Issue 23, item 9: a phrase made of common words ("review morning routine") took 129 ms on
PostgreSQL and 30 ms on SQLite at a million mentions, and one found nowhere 160 ms on SQLite.
Both databases now index the *seams* of each caption, the last three letters of a word and the
first three of the next (archive_app/models/caption_seams.py; the statements are copied here
so this migration never changes):
- PostgreSQL: the immutable function ``caption_seams(text)`` and a GIN index on
  ``caption_seams(caption)``.
- SQLite: ``mention_seams``, a contentless FTS5 index with the same time-ordered rowid as
  ``mention_search``, kept by triggers that call ``caption_seams``, a Python function every
  connection of ``archive_app.db.make_engine`` registers (Alembic's too). Filled from the
  rows already there.
"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = 'd5e8a1c3f7b9'
down_revision: Union[str, Sequence[str], None] = 'b3f1c7d9e2a4'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS mention_seams USING fts5(seams, content='', tokenize='ascii', detail='none')",
    "CREATE TRIGGER IF NOT EXISTS mention_seams_insert AFTER INSERT ON mentions BEGIN INSERT INTO mention_seams(rowid, seams) VALUES (((CAST(strftime('%s', new.posted_at) AS INTEGER) << 31) | new.id), caption_seams(new.caption)); END",
    "CREATE TRIGGER IF NOT EXISTS mention_seams_delete AFTER DELETE ON mentions BEGIN INSERT INTO mention_seams(mention_seams, rowid, seams) VALUES ('delete', ((CAST(strftime('%s', old.posted_at) AS INTEGER) << 31) | old.id), caption_seams(old.caption)); END",
    "CREATE TRIGGER IF NOT EXISTS mention_seams_update AFTER UPDATE OF caption, posted_at ON mentions BEGIN INSERT INTO mention_seams(mention_seams, rowid, seams) VALUES ('delete', ((CAST(strftime('%s', old.posted_at) AS INTEGER) << 31) | old.id), caption_seams(old.caption)); INSERT INTO mention_seams(rowid, seams) VALUES (((CAST(strftime('%s', new.posted_at) AS INTEGER) << 31) | new.id), caption_seams(new.caption)); END",
    "INSERT INTO mention_seams(rowid, seams) SELECT ((CAST(strftime('%s', mentions.posted_at) AS INTEGER) << 31) | mentions.id), caption_seams(caption) FROM mentions",
)
SQLITE_DROP = (
    'DROP TRIGGER IF EXISTS mention_seams_update',
    'DROP TRIGGER IF EXISTS mention_seams_delete',
    'DROP TRIGGER IF EXISTS mention_seams_insert',
    'DROP TABLE IF EXISTS mention_seams',
)
POSTGRES_CREATE = (
    r'''
CREATE OR REPLACE FUNCTION caption_seams(caption text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT coalesce(array_agg(DISTINCT right(w[i], 3) || ' ' || left(w[i + 1], 3)), '{}')
FROM (SELECT array_remove(regexp_split_to_array(lower(caption), '[ \t\n\r\f\v]+'), '') AS w) s,
     generate_series(1, cardinality(w) - 1) AS i
$$
''',
    'CREATE INDEX IF NOT EXISTS ix_mentions_caption_seams ON mentions USING gin (caption_seams(caption))',
)
POSTGRES_DROP = (
    'DROP INDEX IF EXISTS ix_mentions_caption_seams',
    'DROP FUNCTION IF EXISTS caption_seams(text)',
)


def upgrade() -> None:
    name = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}.get(name, ()):
        op.execute(statement)


def downgrade() -> None:
    name = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(name, ()):
        op.execute(statement)
