"""First use, in Chromium, as a brand marketer meets the demo (issue 21, items 6, 7, 11, 13):
the Feed's total and chart answer the cards' filter, creators' DM settings are not made up, an
unknown creator's page ends its spinner, and the sidebar stays in place on a long page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import RunningApp, launch_app
from tests.browser.helpers import (
    assert_accessible,
    at,
    connect_v1,
    connect_v2,
    log_in,
    open_sources,
    sign_up,
)

DEMO_OWNER, DEMO_PASSWORD = "demo@example.com", "demo1234"


@pytest.fixture(scope="module")
def app_server(inbox, tmp_path_factory) -> Iterator[RunningApp]:
    """This module's own app (overrides the session's): its last test moves the clock a month,
    and its first ones count the demo's 36 mentions, which no other module may add to."""
    with launch_app(tmp_path_factory.mktemp("first-use-app"), smtp_port=inbox.port) as app:  # type: ignore[attr-defined]
        yield app


SHOTS = Path("/tmp/c2")


def _shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=False)


def test_the_feeds_total_and_chart_count_the_cards_it_pages_through(new_page):
    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, DEMO_OWNER, DEMO_PASSWORD)
    expect(page.get_by_test_id("mentions-total")).to_have_text("36 mentions")
    chart = page.get_by_test_id("mentions-chart")
    expect(chart).to_contain_text("The chart shows ")
    expect(chart).to_contain_text(": all 36 mentions.")
    _shot(page, "feed_counts.png")
    assert_accessible(page)
    expect(page.get_by_test_id("mention-card")).to_have_count(24)
    page.get_by_role("button", name="Load more").click()
    expect(page.get_by_test_id("mention-card")).to_have_count(36)

    page.get_by_label("Search captions and creators").fill("tom.cooks")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_test_id("mentions-total")).to_have_text("6 mentions")
    expect(page.get_by_test_id("mention-card")).to_have_count(6)
    expect(chart).to_contain_text(": all 6 mentions.")
    _shot(page, "feed_search.png")


def test_the_sidebar_stays_in_place_when_a_long_page_scrolls(new_page):
    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, DEMO_OWNER, DEMO_PASSWORD)
    expect(page.get_by_test_id("mention-card")).to_have_count(24)
    page.get_by_role("button", name="Load more").click()
    expect(page.get_by_test_id("mention-card")).to_have_count(36)
    page.mouse.wheel(0, 5000)
    page.wait_for_function("window.scrollY > 1500")
    sidebar = page.get_by_role("complementary", name="Workspace")
    box = sidebar.bounding_box()
    assert box is not None and abs(box["y"]) < 1 and box["height"] >= 790, box
    expect(sidebar.get_by_role("link", name="Feed")).to_be_in_viewport()
    expect(sidebar.get_by_role("button", name="Log out")).to_be_in_viewport()
    _shot(page, "feed_scrolled.png")


def test_social_profiles_say_dm_settings_are_not_known_and_an_unknown_creator_is_said_so(
    new_page,
):
    page = new_page()
    log_in(page, DEMO_OWNER, DEMO_PASSWORD)
    page.goto("/creators")
    rows = page.get_by_test_id("creator-row")
    expect(rows).to_have_count(6, timeout=15_000)
    for n in range(6):
        expect(rows.nth(n)).to_contain_text("DMs from: Not known yet")
        expect(rows.nth(n)).not_to_contain_text("learned")

    page.goto("/creators/nobody.here")
    expect(page.get_by_test_id("empty-state")).to_contain_text("Creator not found", timeout=10_000)
    assert_accessible(page)
    page.get_by_role("link", name="All creators").click()
    page.wait_for_url(at("/creators"))
    expect(page.get_by_test_id("creator-row")).to_have_count(6)


def test_add_sources_options_start_on_the_left_and_rows_name_the_kind_next_to_the_handle(
    new_page, sim, inbox
):
    sim.account("kindbrand")
    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_up(page, inbox, "owner@kindbrand.com", "Kind Brand")
    expect(page.get_by_role("complementary", name="Workspace")).to_contain_text(
        re.compile(r"1 member(?!s)")
    )
    open_sources(page)
    page.get_by_role("button", name="Add Source").first.click()
    for name in ("TikTok Account v.1", "TikTok Account v.2"):
        option = page.get_by_role("button", name=re.compile(name))
        title, summary = option.locator("span, p").first, option.locator("span, p").nth(1)
        assert option.evaluate("b => getComputedStyle(b.firstElementChild).textAlign") == "left"
        a, b = title.bounding_box(), summary.bounding_box()
        assert a and b and abs(a["x"] - b["x"]) < 1, (name, a, b)
    _shot(page, "add_source.png")
    page.keyboard.press("Escape")

    connect_v2(page, "kindbrand")
    connect_v1(page, sim, "kindbrand")  # the same account as v.1: two rows headed @kindbrand
    rows = page.get_by_test_id("source-row")
    expect(rows).to_have_count(2)
    kinds = sorted(rows.nth(n).get_by_test_id("source-kind").inner_text() for n in range(2))
    assert kinds == ["TikTok Account v.1", "TikTok Account v.2"]
    for n in range(2):
        handle = rows.nth(n).get_by_test_id("source-handle").bounding_box()
        kind = rows.nth(n).get_by_test_id("source-kind").bounding_box()
        assert handle and kind and abs(handle["y"] - kind["y"]) < 4 and kind["x"] > handle["x"]
    _shot(page, "sources_kinds.png")
    assert_accessible(page)


def test_the_ready_line_is_the_last_line_printed_at_startup(app_server, new_page):
    """After Reflex's "App running at" and the scheduler's lines: what a person reads last."""
    log_in(new_page(), DEMO_OWNER, DEMO_PASSWORD)  # a request, logged after startup
    lines = app_server.log_path.read_text().splitlines()
    ready = next(n for n, line in enumerate(lines) if "Archive is ready at" in line)
    first_request = next(n for n, line in enumerate(lines) if "login: user" in line)
    startup = [
        n
        for n, line in enumerate(lines[:first_request])
        if "App running at" in line or "scheduler" in line or "mail sink" in line
    ]
    assert startup and max(startup) < ready, "\n".join(lines[: first_request + 1])


def test_moving_the_simulators_clock_past_a_sessions_end_keeps_the_demo_signed_in(new_page, sim):
    page = new_page()
    log_in(page, DEMO_OWNER, DEMO_PASSWORD)
    sim.post("/clock", {"advance_days": 31})  # past the 30 days a session lasts
    page.goto("/settings/sources")
    page.wait_for_url(at("/settings/sources"))
    expect(page.get_by_test_id("signed-in-email")).to_have_text(DEMO_OWNER)
    page.reload()
    expect(page.get_by_test_id("signed-in-email")).to_have_text(DEMO_OWNER)
