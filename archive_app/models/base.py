"""Shared column types. Every instant is stored and returned as an aware UTC datetime."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DDL, DateTime, Table, TypeDecorator, event
from sqlalchemy.engine import Dialect
from sqlmodel import Field


class UTCDateTime(TypeDecorator[datetime]):
    """SQLite forgets time zones; this puts UTC back on the way out and refuses naive input."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use aware UTC datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        zone = value.tzinfo
        if zone is UTC:  # PostgreSQL's, as db.py sets each connection's time zone to UTC
            return value
        return value.replace(tzinfo=UTC) if zone is None else value.astimezone(UTC)


def at_field(*, nullable: bool = False, index: bool = False, **kw: Any) -> Any:
    """A column for an instant (names end in ``_at``)."""
    default = kw.pop("default", None if nullable else ...)
    return Field(default=default, sa_type=UTCDateTime, nullable=nullable, index=index, **kw)


# Our id columns are INTEGER (32-bit on PostgreSQL): a larger number in a query is an error there.
MAX_ID = 2**31 - 1


def parse_id(raw: object) -> int | None:
    """A database id from outside (a URL, an event): an int, or plain ASCII digits, in 1..MAX_ID."""
    if isinstance(raw, str):
        if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(MAX_ID)):
            return None
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int):
        return None
    return raw if 1 <= raw <= MAX_ID else None


def include_for(dialect: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` for one database: a schema object built only on another
    (``Index(...).ddl_if(dialect="postgresql")``) is not expected there."""

    def include(
        obj: object, name: object, type_: object, reflected: bool, compare_to: object
    ) -> bool:
        # SQLite's search indexes (models/mention_search.py, caption_seams.py) and their FTS5
        # shadow tables; PostgreSQL's index on caption_seams(caption), made by DDL.
        if type_ == "table" and str(name).startswith(("mention_search", "mention_seams")):
            return False
        if type_ == "index" and name == "ix_mentions_caption_seams":
            return False
        ddl_if = getattr(obj, "_ddl_if", None)
        return ddl_if is None or ddl_if.dialect in (None, dialect)

    return include


def attach_ddl(table: Table, dialect: str, create: Iterable[str], drop: Iterable[str]) -> None:
    """Run ``create`` after ``table`` is created and ``drop`` before it is dropped, on
    ``dialect`` only: what migrations make by hand (triggers, FTS5 indexes, functions), made
    with the tables when tests build them with create_all."""
    for statement in create:
        ddl = DDL(statement.replace("%", "%%"))  # type: ignore[no-untyped-call]  # DDL formats %
        event.listen(table, "after_create", ddl.execute_if(dialect=dialect))
    for statement in drop:
        ddl = DDL(statement.replace("%", "%%"))  # type: ignore[no-untyped-call]
        event.listen(table, "before_drop", ddl.execute_if(dialect=dialect))
