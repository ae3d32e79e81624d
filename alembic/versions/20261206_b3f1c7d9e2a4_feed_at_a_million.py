"""feed at a million mentions

Revision ID: b3f1c7d9e2a4
Revises: b3f1c8d2e4a6
Create Date: 2026-12-06 07:00:00.000000

Issue 23, item 9 (bench/feed.py at 1,000,000 mentions):
- ``mention_days``: mentions per workspace, source (0: any), UTC day and rights status, kept
  by triggers on ``mentions`` and ``mention_finds`` (archive_app/models/mention_days.py; the
  statements are copied here so this migration never changes) and filled from the rows
  already there. The Feed's total and chart read it when no filter but dates, one source and
  one rights status applies, instead of counting the mentions.
- ``ix_rights_requests_recent``: Manage Rights' table, newest first, stops after its 200 rows
  instead of sorting every request.
- SQLite's search index ``mention_search`` (migration 9e4b7c1d2a63) over the caption only (a
  handle is searched among the creators) and contentless, its rowid made of ``posted_at``'s
  second and the id, so matches come newest first (archive_app/models/mention_search.py).
  Filled from the rows already there.
- ``ix_creators_handle_trgm`` (PostgreSQL): a GIN trigram index on the creators' handles, for
  the same search by handle.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = 'b3f1c7d9e2a4'
down_revision: Union[str, Sequence[str], None] = 'b3f1c8d2e4a6'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SQLITE_COUNTS = (
    'CREATE TRIGGER IF NOT EXISTS mention_days_insert AFTER INSERT ON mentions BEGIN INSERT '
    'INTO mention_days (workspace_id, source_id, day, rights_status, mentions) VALUES '
    '(new.workspace_id, 0, date(new.posted_at), new.rights_status, 1) ON CONFLICT '
    '(workspace_id, source_id, day, rights_status) DO UPDATE SET mentions = mentions + 1; '
    'END',
    'CREATE TRIGGER IF NOT EXISTS mention_days_delete BEFORE DELETE ON mentions BEGIN '
    'UPDATE mention_days SET mentions = mentions - 1 WHERE workspace_id = old.workspace_id '
    'AND day = date(old.posted_at) AND rights_status = old.rights_status AND (source_id = 0 '
    'OR source_id IN (SELECT source_id FROM mention_finds WHERE mention_id = old.id)); END',
    'CREATE TRIGGER IF NOT EXISTS mention_days_update AFTER UPDATE OF workspace_id, '
    'posted_at, rights_status ON mentions BEGIN UPDATE mention_days SET mentions = mentions '
    '- 1 WHERE workspace_id = old.workspace_id AND day = date(old.posted_at) AND '
    'rights_status = old.rights_status AND (source_id = 0 OR source_id IN (SELECT source_id '
    'FROM mention_finds WHERE mention_id = old.id)); INSERT INTO mention_days '
    '(workspace_id, source_id, day, rights_status, mentions) SELECT new.workspace_id, 0, '
    'date(new.posted_at), new.rights_status, 1 UNION ALL SELECT new.workspace_id, '
    'source_id, date(new.posted_at), new.rights_status, 1 FROM mention_finds WHERE '
    'mention_id = new.id ON CONFLICT (workspace_id, source_id, day, rights_status) DO '
    'UPDATE SET mentions = mentions + 1; END',
    'CREATE TRIGGER IF NOT EXISTS mention_days_find AFTER INSERT ON mention_finds BEGIN '
    'INSERT INTO mention_days (workspace_id, source_id, day, rights_status, mentions) '
    'SELECT workspace_id, new.source_id, date(posted_at), rights_status, 1 FROM mentions '
    'WHERE id = new.mention_id ON CONFLICT (workspace_id, source_id, day, rights_status) DO '
    'UPDATE SET mentions = mentions + 1; END',
    'CREATE TRIGGER IF NOT EXISTS mention_days_unfind AFTER DELETE ON mention_finds BEGIN '
    'UPDATE mention_days SET mentions = mentions - 1 WHERE source_id = old.source_id AND '
    '(workspace_id, day, rights_status) = (SELECT workspace_id, date(posted_at), '
    'rights_status FROM mentions WHERE id = old.mention_id); END',
    'INSERT INTO mention_days (workspace_id, source_id, day, rights_status, mentions) '
    'SELECT workspace_id, 0, date(posted_at), rights_status, count(*) FROM mentions GROUP '
    'BY workspace_id, date(posted_at), rights_status',
    'INSERT INTO mention_days (workspace_id, source_id, day, rights_status, mentions) '
    'SELECT m.workspace_id, f.source_id, date(m.posted_at), m.rights_status, count(*) FROM '
    'mention_finds f JOIN mentions m ON m.id = f.mention_id GROUP BY m.workspace_id, '
    'f.source_id, date(m.posted_at), m.rights_status',
)
POSTGRES_COUNTS = (
    'CREATE OR REPLACE FUNCTION mention_days_count() RETURNS trigger LANGUAGE plpgsql AS $$ '
    "BEGIN IF TG_OP IN ('DELETE', 'UPDATE') THEN PERFORM "
    "pg_advisory_xact_lock(hashtext('mention_days'), OLD.workspace_id); UPDATE mention_days "
    'SET mentions = mentions - 1 WHERE workspace_id = OLD.workspace_id AND day = '
    "(OLD.posted_at AT TIME ZONE 'UTC')::date AND rights_status = OLD.rights_status AND "
    '(source_id = 0 OR source_id IN (SELECT f.source_id FROM mention_finds f WHERE '
    "f.mention_id = OLD.id)); END IF; IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM "
    "pg_advisory_xact_lock(hashtext('mention_days'), NEW.workspace_id); INSERT INTO "
    'mention_days (workspace_id, source_id, day, rights_status, mentions) SELECT '
    "NEW.workspace_id, 0, (NEW.posted_at AT TIME ZONE 'UTC')::date, NEW.rights_status, 1 "
    'UNION ALL SELECT NEW.workspace_id, f.source_id, (NEW.posted_at AT TIME ZONE '
    "'UTC')::date, NEW.rights_status, 1 FROM mention_finds f WHERE f.mention_id = NEW.id "
    "AND TG_OP = 'UPDATE' ON CONFLICT (workspace_id, source_id, day, rights_status) DO "
    "UPDATE SET mentions = mention_days.mentions + 1; END IF; IF TG_OP = 'DELETE' THEN "
    'RETURN OLD; END IF; RETURN NULL; END $$',
    'CREATE OR REPLACE FUNCTION mention_days_find() RETURNS trigger LANGUAGE plpgsql AS $$ '
    "DECLARE found_in integer; BEGIN IF TG_OP IN ('DELETE', 'UPDATE') THEN SELECT "
    'workspace_id INTO found_in FROM mentions WHERE id = OLD.mention_id; IF FOUND THEN '
    "PERFORM pg_advisory_xact_lock(hashtext('mention_days'), found_in); UPDATE mention_days "
    'd SET mentions = d.mentions - 1 FROM mentions m WHERE m.id = OLD.mention_id AND '
    'd.workspace_id = m.workspace_id AND d.source_id = OLD.source_id AND d.day = '
    "(m.posted_at AT TIME ZONE 'UTC')::date AND d.rights_status = m.rights_status; END IF; "
    "END IF; IF TG_OP IN ('INSERT', 'UPDATE') THEN SELECT workspace_id INTO found_in FROM "
    'mentions WHERE id = NEW.mention_id; IF FOUND THEN PERFORM '
    "pg_advisory_xact_lock(hashtext('mention_days'), found_in); INSERT INTO mention_days "
    '(workspace_id, source_id, day, rights_status, mentions) SELECT workspace_id, '
    "NEW.source_id, (posted_at AT TIME ZONE 'UTC')::date, rights_status, 1 FROM mentions "
    'WHERE id = NEW.mention_id ON CONFLICT (workspace_id, source_id, day, rights_status) DO '
    'UPDATE SET mentions = mention_days.mentions + 1; END IF; END IF; RETURN NULL; END $$',
    'DROP TRIGGER IF EXISTS mention_days_count ON mentions',
    'CREATE TRIGGER mention_days_count AFTER INSERT OR UPDATE OF workspace_id, posted_at, '
    'rights_status ON mentions FOR EACH ROW EXECUTE FUNCTION mention_days_count()',
    'DROP TRIGGER IF EXISTS mention_days_uncount ON mentions',
    'CREATE TRIGGER mention_days_uncount BEFORE DELETE ON mentions FOR EACH ROW EXECUTE '
    'FUNCTION mention_days_count()',
    'DROP TRIGGER IF EXISTS mention_days_find ON mention_finds',
    'CREATE TRIGGER mention_days_find AFTER INSERT OR DELETE OR UPDATE OF mention_id, '
    'source_id ON mention_finds FOR EACH ROW EXECUTE FUNCTION mention_days_find()',
    'LOCK TABLE mentions, mention_finds IN SHARE MODE',
    'INSERT INTO mention_days (workspace_id, source_id, day, rights_status, mentions) '
    "SELECT workspace_id, 0, (posted_at AT TIME ZONE 'UTC')::date, rights_status, count(*) "
    'FROM mentions GROUP BY 1, 2, 3, 4',
    'INSERT INTO mention_days (workspace_id, source_id, day, rights_status, mentions) '
    "SELECT m.workspace_id, f.source_id, (m.posted_at AT TIME ZONE 'UTC')::date, "
    'm.rights_status, count(*) FROM mention_finds f JOIN mentions m ON m.id = f.mention_id '
    'GROUP BY 1, 2, 3, 4',
)
SEARCH_DROP = (
    "DROP TRIGGER IF EXISTS mention_search_update",
    "DROP TRIGGER IF EXISTS mention_search_delete",
    "DROP TRIGGER IF EXISTS mention_search_insert",
    "DROP TABLE IF EXISTS mention_search",
)
# Contentless, its rowid posted_at's second × 2^31 + id: matches come newest first.
SEARCH_CAPTION = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS mention_search USING fts5(caption, content='', "
    "tokenize='trigram')",
    'CREATE TRIGGER IF NOT EXISTS mention_search_insert AFTER INSERT ON mentions BEGIN '
    "INSERT INTO mention_search(rowid, caption) VALUES (((CAST(strftime('%s', "
    'new.posted_at) AS INTEGER) << 31) | new.id), new.caption); END',
    'CREATE TRIGGER IF NOT EXISTS mention_search_delete AFTER DELETE ON mentions BEGIN '
    "INSERT INTO mention_search(mention_search, rowid, caption) VALUES ('delete', "
    "((CAST(strftime('%s', old.posted_at) AS INTEGER) << 31) | old.id), old.caption); END",
    'CREATE TRIGGER IF NOT EXISTS mention_search_update AFTER UPDATE OF caption, posted_at '
    'ON mentions BEGIN INSERT INTO mention_search(mention_search, rowid, caption) VALUES '
    "('delete', ((CAST(strftime('%s', old.posted_at) AS INTEGER) << 31) | old.id), "
    "old.caption); INSERT INTO mention_search(rowid, caption) VALUES (((CAST(strftime('%s', "
    'new.posted_at) AS INTEGER) << 31) | new.id), new.caption); END',
    "INSERT INTO mention_search(rowid, caption) SELECT ((CAST(strftime('%s', "
    'mentions.posted_at) AS INTEGER) << 31) | mentions.id), caption FROM mentions',
)
SEARCH_BOTH = (  # 9e4b7c1d2a63's, for the downgrade
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
    'DROP TRIGGER IF EXISTS mention_days_unfind',
    'DROP TRIGGER IF EXISTS mention_days_find',
    'DROP TRIGGER IF EXISTS mention_days_update',
    'DROP TRIGGER IF EXISTS mention_days_delete',
    'DROP TRIGGER IF EXISTS mention_days_insert',
)
POSTGRES_DROP = (
    'DROP TRIGGER IF EXISTS mention_days_find ON mention_finds',
    'DROP TRIGGER IF EXISTS mention_days_uncount ON mentions',
    'DROP TRIGGER IF EXISTS mention_days_count ON mentions',
    'DROP FUNCTION IF EXISTS mention_days_find()',
    'DROP FUNCTION IF EXISTS mention_days_count()',
)


def upgrade() -> None:
    op.create_table(
        'mention_days',
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('rights_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('mentions', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('workspace_id', 'source_id', 'day', 'rights_status'),
    )
    with op.batch_alter_table('rights_requests', schema=None) as batch_op:
        batch_op.create_index(
            'ix_rights_requests_recent', ['workspace_id', 'created_at', 'id'], unique=False
        )
    name = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_COUNTS, "postgresql": POSTGRES_COUNTS}.get(name, ()):
        op.execute(statement)
    if name == "sqlite":
        for statement in (*SEARCH_DROP, *SEARCH_CAPTION):
            op.execute(statement)
    if name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_creators_handle_trgm",
            "creators",
            ["handle"],
            postgresql_using="gin",
            postgresql_ops={"handle": "gin_trgm_ops"},
        )


def downgrade() -> None:
    name = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(name, ()):
        op.execute(statement)
    if name == "sqlite":
        for statement in (*SEARCH_DROP, *SEARCH_BOTH):
            op.execute(statement)
    if name == "postgresql":
        op.drop_index("ix_creators_handle_trgm", table_name="creators")
    with op.batch_alter_table('rights_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_rights_requests_recent')
    op.drop_table('mention_days')
