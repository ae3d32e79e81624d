"""The Feed in Chromium: a mention TikTok reports appears in an open tab without a reload,
filters live in the URL, Social Profiles lists the creator with the same cards."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import (
    assert_accessible,
    at,
    connect_v2,
    open_sources,
    sign_up,
)


def test_a_new_mention_appears_in_an_open_feed_tab_and_filters_round_trip_in_the_url(
    new_page, sim, inbox
):
    sim.account("feedbrand")
    page = new_page()
    sign_up(page, inbox, "owner@feedbrand.com", "Feed Brand")
    expect(page.get_by_test_id("empty-state")).to_contain_text("No mentions yet")
    assert_accessible(page)
    # Posted before the brand connected anything: no webhook for it, the poll finds it.
    before = sim.post(
        "/mentions",
        {"brand_username": "feedbrand", "creator_handle": "old.timer", "caption": "From before"},
    )
    assert before["webhooks"] == []
    open_sources(page)
    connect_v2(page, "feedbrand")

    feed = page.context.new_page()  # a second tab, on the Feed, left open
    feed.goto("/feed")
    # Connecting asked for a poll at once (not at the job's next tick, 10 minutes away).
    expect(
        feed.get_by_test_id("new-mentions").or_(feed.get_by_test_id("mention-card"))
    ).to_be_visible(timeout=30_000)
    feed.reload()
    expect(feed.get_by_test_id("mention-card")).to_have_count(1)
    expect(feed.get_by_test_id("mention-card")).to_contain_text("From before")
    assert_accessible(feed)

    # TikTok tells the app (signed brand.mention.event): the open tab hears it, no reload.
    answer = sim.post(
        "/mentions",
        {"brand_username": "feedbrand", "creator_handle": "ana.paints", "caption": "Hi @feedbrand"},
    )
    assert answer["webhooks"][0]["status_code"] == 200
    banner = feed.get_by_test_id("new-mentions")
    expect(banner).to_contain_text("1 new mention")
    banner.get_by_role("button", name="Show").click()
    card = feed.get_by_test_id("mention-card").filter(has_text="@ana.paints")
    expect(feed.get_by_test_id("mention-card")).to_have_count(2)
    expect(feed.get_by_test_id("mention-card").first).to_contain_text("@ana.paints")
    expect(card).to_contain_text("Hi @feedbrand")
    expect(card).to_contain_text("Found by @feedbrand (TikTok Account v.2)")
    expect(card.get_by_role("button", name="Looking for usage rights?")).to_be_enabled()
    assert_accessible(feed)

    sim.post(
        "/mentions",
        {"brand_username": "feedbrand", "creator_handle": "ben.runs", "caption": "Run with it"},
    )
    expect(banner).to_contain_text("1 new mention")
    banner.get_by_role("button", name="Show").click()
    expect(feed.get_by_test_id("mention-card")).to_have_count(3)

    # Filters: the URL carries them, a reload (or a shared link) shows the same view.
    feed.get_by_label("Search captions and creators").fill("ben")
    feed.get_by_role("button", name="Apply filters").click()
    feed.wait_for_url(re.compile(r"/feed/?\?q=ben$"))
    expect(feed.get_by_test_id("mention-card")).to_have_count(1)
    feed.reload()
    expect(feed.get_by_test_id("mention-card")).to_have_count(1)
    expect(feed.get_by_test_id("mention-card")).to_contain_text("@ben.runs")
    expect(feed.get_by_label("Search captions and creators")).to_have_value("ben")

    # A link with nonsense in it: ignored with a note; the nonsense is not shown.
    feed.goto("/feed?rights=%3Cb%3Ebold%3C%2Fb%3E&from=someday")
    expect(feed.get_by_test_id("mention-card")).to_have_count(3)
    expect(feed.get_by_role("status").filter(has_text="not a date")).to_be_visible()
    expect(feed.locator("b", has_text="bold")).to_have_count(0)
    assert "bold" not in feed.get_by_role("main").inner_text()

    # Social Profiles: the creator, and their page with the same card and button.
    feed.get_by_role("navigation", name="Main").get_by_role("link", name="Social Profiles").click()
    feed.wait_for_url(at("/creators"))
    row = feed.get_by_test_id("creator-row").filter(has_text="@ana.paints")
    expect(row).to_contain_text("1 mention")
    assert_accessible(feed)
    row.get_by_role("link", name="@ana.paints").click()
    feed.wait_for_url(at("/creators/ana.paints"))
    expect(feed.get_by_test_id("creator-header")).to_contain_text("@ana.paints")
    expect(feed.get_by_test_id("mention-card")).to_have_count(1)
    expect(
        feed.get_by_test_id("mention-card").get_by_role("button", name="Looking for usage rights?")
    ).to_be_visible()
    assert_accessible(feed)
