"""How many mentions a workspace has per UTC day of ``posted_at``, per source and per rights
status, kept by the database.

The Feed's total and its chart (``services/mentions/feed_overview.py``) read these rows when
no filter but dates, one source and one rights status applies: counting a million mentions
row by row took 135 ms on SQLite (and one source, "No request" and 60 days, 60,000 rows, took
120–200 ms), adding up a few thousand kept counts well under one
(``make bench-feed ARGS="--mentions 1000000"``).

A row is (workspace, source, day, rights status) → mentions. ``source_id`` 0 is "any source":
every mention counts there once; it counts again in the row of each source that found it
(``mention_finds``), so a mention found by two sources is in both sources' rows and once in
the "any" row. Triggers keep the counts whatever writes the rows (ingest, deletes, a cascade,
a rights request's status copied onto its videos):

- ``mentions``: +1 on insert (the "any" row: its finds come after it); -1 on delete, in the
  "any" row and in each finding source's row (a BEFORE trigger: the finds are still there,
  the cascade removes them after); when ``posted_at``, ``workspace_id`` or ``rights_status``
  changes, -1 in the old rows and +1 in the new ones.
- ``mention_finds``: +1 on insert, -1 on delete, in that source's row of the mention's day and
  status. A find deleted with its mention (the cascade) no longer finds the mention and
  changes nothing: the mention's trigger has already taken it off.

On PostgreSQL every trigger first takes a transaction lock on the workspace, then reads what
it counts: two transactions counting the same rows wait for each other, in one order (no
deadlock between upserts of the same days in different orders), and a find counted while the
mention's status changes reads the status after the change.

The statements run after the tables are created (``create_all`` in tests) and in migration
``b3f1c7d9e2a4`` (which also fills the table from the rows already there).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Table
from sqlmodel import Field, SQLModel

from archive_app.models.base import attach_ddl

_KEY = "(workspace_id, source_id, day, rights_status)"
_COLUMNS = "(workspace_id, source_id, day, rights_status, mentions)"
_SQLITE_UNCOUNT = (
    "UPDATE mention_days SET mentions = mentions - 1 "
    "WHERE workspace_id = old.workspace_id AND day = date(old.posted_at) "
    "AND rights_status = old.rights_status AND (source_id = 0 OR source_id IN "
    "(SELECT source_id FROM mention_finds WHERE mention_id = old.id)); "
)
SQLITE_COUNTS = (
    "CREATE TRIGGER IF NOT EXISTS mention_days_insert AFTER INSERT ON mentions BEGIN "  # noqa: S608
    f"INSERT INTO mention_days {_COLUMNS} "
    "VALUES (new.workspace_id, 0, date(new.posted_at), new.rights_status, 1) "
    f"ON CONFLICT {_KEY} DO UPDATE SET mentions = mentions + 1; END",
    "CREATE TRIGGER IF NOT EXISTS mention_days_delete BEFORE DELETE ON mentions BEGIN "
    f"{_SQLITE_UNCOUNT}END",
    "CREATE TRIGGER IF NOT EXISTS mention_days_update "  # noqa: S608
    "AFTER UPDATE OF workspace_id, posted_at, rights_status ON mentions BEGIN "
    f"{_SQLITE_UNCOUNT}"
    f"INSERT INTO mention_days {_COLUMNS} "
    "SELECT new.workspace_id, 0, date(new.posted_at), new.rights_status, 1 UNION ALL "
    "SELECT new.workspace_id, source_id, date(new.posted_at), new.rights_status, 1 "
    "FROM mention_finds WHERE mention_id = new.id "
    f"ON CONFLICT {_KEY} DO UPDATE SET mentions = mentions + 1; END",
    "CREATE TRIGGER IF NOT EXISTS mention_days_find AFTER INSERT ON mention_finds BEGIN "  # noqa: S608
    f"INSERT INTO mention_days {_COLUMNS} "
    "SELECT workspace_id, new.source_id, date(posted_at), rights_status, 1 "
    "FROM mentions WHERE id = new.mention_id "
    f"ON CONFLICT {_KEY} DO UPDATE SET mentions = mentions + 1; END",
    "CREATE TRIGGER IF NOT EXISTS mention_days_unfind AFTER DELETE ON mention_finds BEGIN "
    "UPDATE mention_days SET mentions = mentions - 1 WHERE source_id = old.source_id "
    "AND (workspace_id, day, rights_status) = (SELECT workspace_id, date(posted_at), "
    "rights_status FROM mentions WHERE id = old.mention_id); END",
)
_PG_DAY = "(posted_at AT TIME ZONE 'UTC')::date"
_PG_M_DAY = "(m.posted_at AT TIME ZONE 'UTC')::date"
POSTGRES_COUNTS = (
    "CREATE OR REPLACE FUNCTION mention_days_count() RETURNS trigger LANGUAGE plpgsql AS $$ "  # noqa: S608
    "BEGIN "
    "IF TG_OP IN ('DELETE', 'UPDATE') THEN "
    "PERFORM pg_advisory_xact_lock(hashtext('mention_days'), OLD.workspace_id); "
    "UPDATE mention_days SET mentions = mentions - 1 WHERE workspace_id = OLD.workspace_id "
    "AND day = (OLD.posted_at AT TIME ZONE 'UTC')::date AND rights_status = OLD.rights_status "
    "AND (source_id = 0 OR source_id IN "
    "(SELECT f.source_id FROM mention_finds f WHERE f.mention_id = OLD.id)); "
    "END IF; "
    "IF TG_OP IN ('INSERT', 'UPDATE') THEN "
    "PERFORM pg_advisory_xact_lock(hashtext('mention_days'), NEW.workspace_id); "
    f"INSERT INTO mention_days {_COLUMNS} "
    "SELECT NEW.workspace_id, 0, (NEW.posted_at AT TIME ZONE 'UTC')::date, "
    "NEW.rights_status, 1 UNION ALL "
    "SELECT NEW.workspace_id, f.source_id, (NEW.posted_at AT TIME ZONE 'UTC')::date, "
    "NEW.rights_status, 1 FROM mention_finds f WHERE f.mention_id = NEW.id AND TG_OP = 'UPDATE' "
    f"ON CONFLICT {_KEY} DO UPDATE SET mentions = mention_days.mentions + 1; "
    "END IF; "
    "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; "
    "RETURN NULL; "
    "END $$",
    "CREATE OR REPLACE FUNCTION mention_days_find() RETURNS trigger LANGUAGE plpgsql AS $$ "  # noqa: S608
    "DECLARE found_in integer; "
    "BEGIN "
    "IF TG_OP IN ('DELETE', 'UPDATE') THEN "
    "SELECT workspace_id INTO found_in FROM mentions WHERE id = OLD.mention_id; "
    "IF FOUND THEN "
    "PERFORM pg_advisory_xact_lock(hashtext('mention_days'), found_in); "
    "UPDATE mention_days d SET mentions = d.mentions - 1 FROM mentions m "
    "WHERE m.id = OLD.mention_id AND d.workspace_id = m.workspace_id "
    f"AND d.source_id = OLD.source_id AND d.day = {_PG_M_DAY} "
    "AND d.rights_status = m.rights_status; "
    "END IF; "
    "END IF; "
    "IF TG_OP IN ('INSERT', 'UPDATE') THEN "
    "SELECT workspace_id INTO found_in FROM mentions WHERE id = NEW.mention_id; "
    "IF FOUND THEN "
    "PERFORM pg_advisory_xact_lock(hashtext('mention_days'), found_in); "
    f"INSERT INTO mention_days {_COLUMNS} "
    f"SELECT workspace_id, NEW.source_id, {_PG_DAY}, rights_status, 1 "
    "FROM mentions WHERE id = NEW.mention_id "
    f"ON CONFLICT {_KEY} DO UPDATE SET mentions = mention_days.mentions + 1; "
    "END IF; "
    "END IF; "
    "RETURN NULL; "
    "END $$",
    "DROP TRIGGER IF EXISTS mention_days_count ON mentions",
    "CREATE TRIGGER mention_days_count AFTER INSERT OR UPDATE OF workspace_id, posted_at, "
    "rights_status ON mentions FOR EACH ROW EXECUTE FUNCTION mention_days_count()",
    "DROP TRIGGER IF EXISTS mention_days_uncount ON mentions",
    "CREATE TRIGGER mention_days_uncount BEFORE DELETE ON mentions "
    "FOR EACH ROW EXECUTE FUNCTION mention_days_count()",
    "DROP TRIGGER IF EXISTS mention_days_find ON mention_finds",
    "CREATE TRIGGER mention_days_find AFTER INSERT OR DELETE OR UPDATE OF mention_id, source_id "
    "ON mention_finds FOR EACH ROW EXECUTE FUNCTION mention_days_find()",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS mention_days_unfind",
    "DROP TRIGGER IF EXISTS mention_days_find",
    "DROP TRIGGER IF EXISTS mention_days_update",
    "DROP TRIGGER IF EXISTS mention_days_delete",
    "DROP TRIGGER IF EXISTS mention_days_insert",
)
POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS mention_days_find ON mention_finds",
    "DROP TRIGGER IF EXISTS mention_days_uncount ON mentions",
    "DROP TRIGGER IF EXISTS mention_days_count ON mentions",
    "DROP FUNCTION IF EXISTS mention_days_find()",
    "DROP FUNCTION IF EXISTS mention_days_count()",
)
# What is there already, counted (the migration's backfill).
SQLITE_FILL = (
    f"INSERT INTO mention_days {_COLUMNS} "  # noqa: S608
    "SELECT workspace_id, 0, date(posted_at), rights_status, count(*) FROM mentions "
    "GROUP BY workspace_id, date(posted_at), rights_status",
    f"INSERT INTO mention_days {_COLUMNS} "  # noqa: S608
    "SELECT m.workspace_id, f.source_id, date(m.posted_at), m.rights_status, count(*) "
    "FROM mention_finds f JOIN mentions m ON m.id = f.mention_id "
    "GROUP BY m.workspace_id, f.source_id, date(m.posted_at), m.rights_status",
)
POSTGRES_FILL = (
    "LOCK TABLE mentions, mention_finds IN SHARE MODE",
    f"INSERT INTO mention_days {_COLUMNS} "  # noqa: S608
    f"SELECT workspace_id, 0, {_PG_DAY}, rights_status, count(*) FROM mentions "
    "GROUP BY 1, 2, 3, 4",
    f"INSERT INTO mention_days {_COLUMNS} "  # noqa: S608
    f"SELECT m.workspace_id, f.source_id, {_PG_M_DAY}, m.rights_status, count(*) "
    "FROM mention_finds f JOIN mentions m ON m.id = f.mention_id GROUP BY 1, 2, 3, 4",
)


class MentionDay(SQLModel, table=True):
    """The number of a workspace's mentions posted on one UTC day with one rights status, found
    by one source (``source_id`` 0: by any); 0 once they are gone."""

    __tablename__ = "mention_days"

    workspace_id: int = Field(foreign_key="workspaces.id", primary_key=True, ondelete="CASCADE")
    source_id: int = Field(default=0, primary_key=True)  # 0: any source
    day: date = Field(primary_key=True)
    rights_status: str = Field(default="", primary_key=True, max_length=16)
    mentions: int = 0


def attach(finds: Table) -> None:
    """Create the triggers with the tables (tests build tables with create_all): once both
    exist, so with ``mention_finds``, made after ``mentions``."""
    attach_ddl(finds, "sqlite", SQLITE_COUNTS, SQLITE_DROP)
    attach_ddl(finds, "postgresql", POSTGRES_COUNTS, POSTGRES_DROP)


def _attach_to_mentions() -> None:
    from archive_app.models.mentions import MentionFind

    attach(MentionFind.__table__)  # type: ignore[attr-defined]


_attach_to_mentions()
