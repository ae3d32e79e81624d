"""The connection lifecycle in the browser: a failed health check, then a disconnection that
reaches two members in two browsers, and what Settings → Sources says along the way.

This module runs its own app: the checks it triggers (``POST /dev/jobs/check_sources``) and the
failures it injects would otherwise land on other tests' sources, and it moves the clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import RunningApp, launch_app
from tests.browser.helpers import (
    Simulator,
    assert_accessible,
    at,
    connect_v1,
    connect_v2,
    open_sources,
    sign_up,
)

SUBJECT = "[ACTION REQUIRED]: TikTok Reconnection Needed"
PASSWORD = "mate-pass-1"


@pytest.fixture(scope="module")
def app_server(inbox, tmp_path_factory) -> Iterator[RunningApp]:
    """This module's own app (overrides the session's): see the module docstring."""
    with launch_app(tmp_path_factory.mktemp("lifecycle-app"), smtp_port=inbox.port) as app:  # type: ignore[attr-defined]
        yield app


def run_job(app: RunningApp, name: str) -> dict:
    answer = httpx.post(f"{app.url}/dev/jobs/{name}", timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.json()["result"]


def fail_profile_check(sim: Simulator) -> None:
    """TikTok answers 5xx to the next check, and to both retries the client makes."""
    sim.post("/failures", {"endpoint": "/business/get/", "mode": "server_error", "count": 3})


def join(owner, new_page, address: str):
    """The owner invites ``address``; they accept in a browser of their own."""
    owner.goto("/settings/team")
    owner.get_by_label("Email to invite").fill(address)
    owner.get_by_role("button", name="Send invite").click()
    link = owner.get_by_test_id("invite-link").inner_text()
    page = new_page()
    page.goto(link)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Accept invitation").click()
    page.wait_for_url(at("/feed"))
    return page


def test_a_failed_check_turns_amber_then_a_second_disconnects_for_two_members(
    new_page, sim, inbox, app_server
):
    sim.account("checkbrand")
    owner = new_page()
    sign_up(owner, inbox, "owner@checkbrand.com", "Check Brand")
    mate = join(owner, new_page, "mate@checkbrand.com")
    gone = join(owner, new_page, "gone@checkbrand.com")
    owner.reload()
    owner.get_by_role("button", name="Remove gone@checkbrand.com").click()
    owner.get_by_role("button", name="Remove member").click()
    gone.wait_for_url(re.compile(r"/login/?\?notice=removed"), timeout=15_000)

    open_sources(owner)
    connect_v2(owner, "checkbrand")
    row = owner.get_by_test_id("source-row")
    expect(row.get_by_test_id("checked")).to_contain_text("Last checked")
    open_sources(mate)
    expect(mate.get_by_test_id("source-status")).to_have_text("Active")

    fail_profile_check(sim)
    assert run_job(app_server, "check_sources")["no_answer"] == 1
    for page in (owner, mate):  # amber, with the reason, live; nobody is alerted
        reason = page.get_by_test_id("source-reason")
        expect(reason).to_contain_text(re.compile(r"TikTok did not answer at \d\d:\d\d UTC"))
        expect(reason).to_contain_text("retrying")
        expect(page.get_by_test_id("checked")).to_contain_text("TikTok last answered")
        expect(page.get_by_test_id("source-status")).to_have_text("Active")
        expect(page.get_by_test_id("disconnection-alert")).to_have_count(0)
    assert_accessible(owner)

    sim.post("/clock", {"advance_seconds": 31 * 60})
    fail_profile_check(sim)
    assert run_job(app_server, "check_sources")["no_answer"] == 1
    for page in (owner, mate):  # on Settings → Sources the red row says it (no pop-up)
        expect(page.get_by_test_id("source-status")).to_have_text("Disconnected", timeout=10_000)
        expect(page.get_by_test_id("source-reason")).to_contain_text("not answered since")
        expect(page.get_by_role("button", name="Reconnect @checkbrand")).to_be_visible()
        expect(page.get_by_test_id("disconnection-alert")).to_have_count(0)
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Feed").click()
        alert = page.get_by_test_id("disconnection-alert")
        expect(alert).to_be_visible(timeout=10_000)
        expect(alert).to_contain_text("@checkbrand")
        expect(alert).to_contain_text("TikTok has not answered since")
        assert_accessible(page)
        page.get_by_role("button", name="Later").click()
    for address in ("owner@checkbrand.com", "mate@checkbrand.com"):
        inbox.wait_for(to=address, subject_contains=SUBJECT)
    run_job(app_server, "check_sources")
    run_job(app_server, "drain_outbox")
    for address in ("owner@checkbrand.com", "mate@checkbrand.com"):
        assert inbox.count(to=address, subject_contains=SUBJECT) == 1
    assert inbox.count(to="gone@checkbrand.com", subject_contains=SUBJECT) == 0


def test_a_v1_row_shows_the_next_reminder_and_when_it_was_last_checked(new_page, sim, inbox):
    page = new_page()
    sign_up(page, inbox, "owner@remindbrand.com", "Remind Brand")
    connect_v1(page, sim, "remindbrand")
    row = page.get_by_test_id("source-row")
    expect(row.get_by_test_id("source-status")).to_have_text("Active")
    expect(row.get_by_test_id("next-reminder")).to_have_text(
        re.compile(r"Next reminder \w{3} \d{1,2}, \d{4} \(30 days before the deadline\)")
    )
    expect(row.get_by_test_id("checked")).to_contain_text("Last checked")
    assert_accessible(page)
