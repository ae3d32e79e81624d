"""What a Settings → Sources row says for each point of a source's life (states/source_views)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from archive_app.services.sources.status import SourceRow
from archive_app.states.source_views import source_view

CHECKED = datetime(2026, 11, 25, 10, 42, tzinfo=UTC)
ACTIVE = SourceRow(
    source_id=7,
    kind="tiktok_v1",
    kind_name="TikTok Account v.1",
    handle="brandco",
    display_name="Brand Co",
    avatar_url="",
    status="active",
    status_label="Active",
    badge="green",
    days_remaining=40,
    connected_at=datetime(2026, 10, 1, tzinfo=UTC),
    connected_by="owner@brand.com",
    reason="",
    reminder_emails=("owner@brand.com",),
    last_checked_at=CHECKED,
    next_reminder_at=datetime(2026, 12, 30, 9, 0, tzinfo=UTC),
    next_reminder_step=30,
)


def test_an_active_row_says_when_it_was_checked_and_the_next_reminder():
    view = source_view(ACTIVE)
    assert view.checked_text == "Last checked Nov 25, 2026 at 10:42 UTC"
    assert view.reminder_text == "Next reminder Dec 30, 2026 (30 days before the deadline)"
    assert (view.needs_reconnect, view.reason, view.badge) == (False, "", "green")


def test_a_row_whose_last_check_went_unanswered_says_when_tiktok_last_answered():
    degraded = replace(
        ACTIVE,
        status="degraded",
        badge="amber",
        reason="TikTok did not answer at 11:15 UTC; retrying",
    )
    view = source_view(degraded)
    assert view.checked_text == "TikTok last answered Nov 25, 2026 at 10:42 UTC"
    assert view.reason == "TikTok did not answer at 11:15 UTC; retrying"


def test_the_one_day_step_is_singular_and_a_never_checked_source_says_so():
    view = source_view(
        replace(ACTIVE, next_reminder_step=1, last_checked_at=None, next_reminder_at=CHECKED)
    )
    assert view.reminder_text == "Next reminder Nov 25, 2026 (1 day before the deadline)"
    assert view.checked_text == "Not checked yet"


def test_an_expired_row_offers_reconnect_and_gives_the_reason():
    expired = replace(
        ACTIVE,
        status="expired",
        status_label="Expired",
        badge="gray",
        days_remaining=None,
        reason="The 180-day connection ended",
        next_reminder_at=None,
        next_reminder_step=None,
        alert_event_id=12,
    )
    view = source_view(expired)
    assert (view.needs_reconnect, view.is_disconnected) == (True, False)
    assert (view.reason, view.days_text, view.reminder_text) == (
        "The 180-day connection ended",
        "",
        "",
    )
    assert view.alert_key == "7:12"
