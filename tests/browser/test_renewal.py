"""Renewing early and being told once, as a brand team meets it (issue 21, items 1-5).

This module runs its own app: it moves the shared clock (181 days), which would end the
sessions and connections of other tests sharing the session's app. Its tests run in file
order; only the last one moves the clock.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import RunningApp, launch_app
from tests.browser.helpers import (
    assert_accessible,
    at,
    body_text,
    connect_v1,
    connect_v2,
    log_in,
    open_sources,
    sign_up,
)

SUBJECT = "[ACTION REQUIRED]: TikTok Reconnection Needed"
PASSWORD = "brand-pass-1"
# Set ARCHIVE_TEST_SHOTS to a directory to keep screenshots of what the tests looked at.
SHOTS = os.environ.get("ARCHIVE_TEST_SHOTS", "")


@pytest.fixture(scope="module")
def app_server(inbox, tmp_path_factory) -> Iterator[RunningApp]:
    """This module's own app (overrides the session's): see the module docstring."""
    with launch_app(tmp_path_factory.mktemp("renewal-app"), smtp_port=inbox.port) as app:  # type: ignore[attr-defined]
        yield app


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def back_on_sources(page, email: str) -> None:
    """Settings → Sources after the clock moved, logging in again if the session ended."""
    page.goto("/settings/sources")  # no disconnection pop-up covers this page
    log_in_button = page.get_by_role("button", name="Log in")
    heading = page.get_by_role("heading", name="Sources")
    expect(log_in_button.or_(heading).first).to_be_visible()
    if log_in_button.is_visible():
        log_in(page, email, PASSWORD)
        open_sources(page)


def run_job(app: RunningApp, name: str) -> dict:
    answer = httpx.post(f"{app.url}/dev/jobs/{name}", timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.json()["result"]


def cancel_v2(page) -> None:
    page.get_by_role("button", name="Add Source").first.click()
    page.get_by_role("button", name=re.compile("TikTok Account v.2")).click()
    page.get_by_role("button", name="Continue to TikTok").click()
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_url(re.compile(r"/settings/sources"))
    expect(page.get_by_role("alert")).to_contain_text("Connection cancelled")


def test_a_connection_after_a_cancel_replaces_the_cancelled_banner(new_page, sim, inbox):
    sim.account("againbrand")
    sim.account("qragainbrand")
    page = new_page()
    sign_up(page, inbox, "owner@againbrand.com", "Again Brand")
    open_sources(page)
    cancel_v2(page)

    # A QR connection right on this page (no page load): its outcome replaces the cancel's.
    page.get_by_role("button", name="Add Source").first.click()
    page.get_by_role("button", name=re.compile("TikTok Account v.1")).click()
    page.get_by_role("button", name="Set Up Reminders").click()
    page.get_by_role("button", name="Connect TikTok").click()
    expect(page.get_by_test_id("qr-image")).to_be_visible(timeout=10_000)
    token = sim.newest_qr()["token"]
    sim.post(f"/qr/{token}/scan", {"username": "qragainbrand"})
    sim.post(f"/qr/{token}/confirm")
    expect(page.get_by_role("status").first).to_contain_text("Connected @qragainbrand")
    expect(page.get_by_role("alert")).to_have_count(0)
    # The banner says it; no toast repeats it (issue 21, item 14).
    page.wait_for_timeout(500)
    expect(page.locator("[data-sonner-toast]")).to_have_count(0)

    cancel_v2(page)
    expect(page.get_by_role("status")).to_have_count(0)  # the older success is over too
    connect_v2(page, "againbrand")
    expect(page.get_by_test_id("source-status")).to_have_text(["Active", "Active"])
    expect(page.get_by_role("status").first).to_contain_text("Connected @againbrand")
    expect(page.get_by_role("alert")).to_have_count(0)
    page.reload()  # the cancel's one-time message is over, not shown again
    expect(page.get_by_test_id("source-status")).to_have_text(["Active", "Active"])
    expect(page.get_by_role("alert")).to_have_count(0)


def test_one_revoked_account_connected_both_ways_makes_one_mail_and_connect_now_opens_alone(
    new_page, sim, inbox
):
    page = new_page()
    sign_up(page, inbox, "owner@bothbrand.com", "Both Brand")
    connect_v1(page, sim, "bothbrand")
    connect_v2(page, "bothbrand")
    rows = page.get_by_test_id("source-row")
    expect(rows).to_have_count(2)

    sim.post("/accounts/bothbrand/revoke")  # one removal in TikTok: a webhook for each app
    statuses = page.get_by_test_id("source-status")
    expect(statuses).to_have_text(["Disconnected", "Disconnected"], timeout=10_000)
    # Settings → Sources says it in its red rows: no pop-up covers them here.
    page.wait_for_timeout(1_000)
    expect(page.get_by_test_id("disconnection-alert")).to_have_count(0)
    expect(page.get_by_role("button", name="Reconnect @bothbrand")).to_have_count(2)
    shot(page, "sources-two-red-rows")
    assert_accessible(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Feed").click()
    page.wait_for_url(at("/feed"))
    alert = page.get_by_test_id("disconnection-alert")
    expect(alert).to_be_visible()
    expect(alert.get_by_test_id("disconnected-source")).to_have_count(2)

    mail = inbox.wait_for(to="owner@bothbrand.com", subject_contains=SUBJECT, timeout=45)
    assert mail["Subject"] == SUBJECT
    text = body_text(mail).split("<!DOCTYPE")[0]
    assert "2 TikTok connections of Both Brand on Archive ended" in text
    assert "@bothbrand (TikTok Account v.1)" in text and "@bothbrand (TikTok Account v.2)" in text
    assert len(re.findall(r"Reconnect: \S+/settings/sources\?reconnect=\d+", text)) == 2
    v2_part = text.split("@bothbrand (TikTok Account v.2)")[1]
    assert "DM" not in v2_part and "send messages" not in v2_part
    page.wait_for_timeout(6_000)  # a second drain of the outbox sends nothing more
    assert inbox.count(to="owner@bothbrand.com", subject_contains=SUBJECT) == 1

    # Connect Now: the pop-up closes, then the v.1 reconnect wizard opens, alone.
    alert.get_by_role("button", name="Connect Now @bothbrand").first.click()
    page.wait_for_url(re.compile(r"/settings/sources/?\?reconnect="))
    expect(page.get_by_role("dialog")).to_contain_text("Reconnecting @bothbrand.")
    expect(page.get_by_role("dialog")).to_have_count(1)
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(page.get_by_test_id("disconnection-alert")).to_have_count(0)
    assert_accessible(page)


def test_an_amber_v1_row_renews_early_and_a_lapsed_one_turns_red(new_page, sim, inbox, app_server):
    sim.account("renewbrand")
    sim.account("otherbrand")
    page = new_page()
    sign_up(page, inbox, "owner@renewbrand.com", "Renew Brand")
    connect_v1(page, sim, "renewbrand")
    sim.post("/clock", {"advance_days": 171})  # 9 days left
    back_on_sources(page, "owner@renewbrand.com")
    row = page.get_by_test_id("source-row")
    expect(row.get_by_test_id("days-remaining")).to_have_text("9 days remaining")
    expect(row.get_by_test_id("source-reason")).to_contain_text("Reconnect before")
    expect(row.get_by_role("button", name="Disconnect @renewbrand")).to_be_visible()
    shot(page, "sources-amber-row")
    assert_accessible(page)
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.set_viewport_size({"width": 1280, "height": 800})

    # Another TikTok account scanning is refused by name, and nothing changes.
    row.get_by_role("button", name="Reconnect @renewbrand").click()
    expect(page.get_by_role("dialog")).to_contain_text("Reconnecting @renewbrand.")
    page.get_by_role("button", name="Connect TikTok").click()
    expect(page.get_by_test_id("qr-image")).to_be_visible(timeout=10_000)
    token = sim.newest_qr()["token"]
    sim.post(f"/qr/{token}/scan", {"username": "otherbrand"})
    sim.post(f"/qr/{token}/confirm")
    expect(page.get_by_role("dialog").get_by_role("alert")).to_contain_text("@renewbrand")
    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_test_id("qr-status")).to_have_text("Waiting for scan", timeout=10_000)
    token = sim.newest_qr()["token"]
    sim.post(f"/qr/{token}/scan", {"username": "renewbrand"})
    sim.post(f"/qr/{token}/confirm")
    expect(row.get_by_test_id("days-remaining")).to_have_text("180 days remaining")
    expect(row).to_have_count(1)  # the same source, its history kept
    expect(row.get_by_test_id("source-status")).to_have_text("Active")
    expect(row.get_by_test_id("next-reminder")).to_contain_text("(30 days before the deadline)")
    expect(row.get_by_role("button", name="Reconnect @renewbrand")).to_have_count(0)

    sim.post("/clock", {"advance_days": 181})  # the renewed 180 days run out too
    run_job(app_server, "check_sources")
    back_on_sources(page, "owner@renewbrand.com")
    expect(row.get_by_test_id("source-status")).to_have_text("Disconnected")
    expect(row.get_by_test_id("source-reason")).to_have_text("The 180-day connection ended")
    expect(row.get_by_role("button", name="Reconnect @renewbrand")).to_be_visible()
    color = row.get_by_test_id("source-status").get_attribute("data-accent-color")
    assert color == "red"
    shot(page, "sources-expired-red-row")
    assert_accessible(page)
