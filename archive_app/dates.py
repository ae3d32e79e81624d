"""How a date or a time is written for people: one format for every page and every mail.

"Dec 5, 2026" for a day, "Dec 5, 2026 at 22:15 UTC" for a moment, "Dec 5" where the year is
said nearby (a chart's axis). Instants are shown in UTC and say so (a naive one is UTC, as
everything stored is); a ``date`` is a calendar day and has no zone. Machine formats (ISO 8601
in URLs, CSV files and logs) are not for people and do not come from here.
``tests/test_dates.py`` keeps every other module from formatting a date for people itself.
"""

from __future__ import annotations

from datetime import UTC, date, datetime


def _utc(value: datetime) -> datetime:
    """Everything stored is UTC; SQLite gives it back naive (as ``clock.utc`` says)."""
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _day_of(value: date | datetime) -> date:
    return _utc(value).date() if isinstance(value, datetime) else value


def day(value: date | datetime) -> str:
    """ "Dec 5, 2026": the day (of an instant, in UTC)."""
    d = _day_of(value)
    return f"{d:%b} {d.day}, {d.year}"


def month_day(value: date | datetime) -> str:
    """ "Dec 5": the day without its year, where the year is said next to it."""
    d = _day_of(value)
    return f"{d:%b} {d.day}"


def clock_time(value: datetime) -> str:
    """ "22:15 UTC": the time of day of an instant."""
    return f"{_utc(value):%H:%M} UTC"


def day_time(value: datetime) -> str:
    """ "Dec 5, 2026 at 22:15 UTC": an instant, to the minute."""
    return f"{day(value)} at {clock_time(value)}"
