"""One way to write a date for people (archive_app/dates.py), on every page and in every mail."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from archive_app import dates
from archive_app.mail.messages import reminder_message
from archive_app.services.mentions.feed_overview import DayCount
from archive_app.services.sources.status import SourceRow
from archive_app.states.feed_views import chart_points
from archive_app.states.source_views import source_view

PACKAGE = Path(__file__).resolve().parents[1] / "archive_app"
AT = datetime(2026, 12, 5, 22, 15, 20, tzinfo=UTC)


def test_a_day_a_moment_and_a_day_without_its_year_are_written_one_way():
    assert dates.day(AT) == "Dec 5, 2026"
    assert dates.day(date(2027, 6, 3)) == "Jun 3, 2027"
    assert dates.day_time(AT) == "Dec 5, 2026 at 22:15 UTC"
    assert dates.month_day(date(2026, 12, 12)) == "Dec 12"
    assert dates.clock_time(AT) == "22:15 UTC"


def test_an_instant_is_written_in_utc_whatever_zone_or_none_it_carries():
    paris = AT.astimezone(timezone(timedelta(hours=1)))  # 23:15 on Dec 5 in Paris
    assert dates.day_time(paris) == "Dec 5, 2026 at 22:15 UTC"
    late = datetime(2026, 12, 5, 23, 30, tzinfo=timezone(timedelta(hours=-2)))
    assert dates.day(late) == "Dec 6, 2026"  # already Dec 6 in UTC
    assert dates.day_time(AT.replace(tzinfo=None)) == "Dec 5, 2026 at 22:15 UTC"  # as stored


def test_a_page_and_a_mail_write_the_same_deadline_the_same_way():
    deadline = datetime(2027, 6, 3, 22, 15, tzinfo=UTC)
    mail = reminder_message(
        to="owner@brand.com",
        workspace_name="Brand",
        source_handle="brandco",
        days_left=9,
        deadline_at=deadline,
        reconnect_url="https://archive.test/settings/sources?reconnect=1",
    )
    row = SourceRow(
        source_id=1,
        kind="tiktok_v1",
        kind_name="TikTok Account v.1",
        handle="brandco",
        display_name="Brand Co",
        avatar_url="",
        status="active",
        status_label="Active",
        badge="amber",
        days_remaining=9,
        connected_at=deadline - timedelta(days=180),
        connected_by="",
        reason="",
        reminder_emails=(),
        last_checked_at=deadline - timedelta(days=9),
        next_reminder_at=deadline - timedelta(days=7),
        next_reminder_step=7,
    )
    view = source_view(row)
    assert "Jun 3, 2027 at 22:15 UTC" in mail.text
    assert view.checked_text == "Last checked May 25, 2027 at 22:15 UTC"
    assert view.connected_text == "Connected Dec 5, 2026"
    assert view.reminder_text == "Next reminder May 27, 2027 (7 days before the deadline)"
    assert chart_points((DayCount(date(2027, 6, 3), 4),)) == [{"day": "Jun 3", "mentions": 4}]


# A format for people written outside dates.py: a month's name, an unpadded day, or a clock.
PEOPLE_FORMAT = re.compile(r"%[bBaAe]|%-d|%H:%M")
# Formats for machines, not people: the Manage Rights CSV export (spreadsheets sort it).
MACHINE_FORMATS = {("services/rights/export.py", "%Y-%m-%d %H:%M")}


def test_no_module_but_dates_py_writes_a_date_for_people():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name == "dates.py" or name.startswith("simulator/"):  # the simulator is TikTok's
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if PEOPLE_FORMAT.search(line) and not any(
                name == file and fmt in line for file, fmt in MACHINE_FORMATS
            ):
                found.append(f"{name}:{number}: {line.strip()}")
    assert found == [], "format dates with archive_app/dates.py:\n" + "\n".join(found)
