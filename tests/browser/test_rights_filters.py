"""Manage Rights, issue 20, in Chromium: custom terms, a Spark Ads Code request from a Feed card,
the filters round-tripping through the URL (reload and a shared link keep them), `Remove
request`; every new window axe-clean at desktop size and at 360 px without sideways scroll."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, at, connect_v1, sign_up
from tests.browser.test_rights import card_of, run_job

ALL_IMPACTS = ("critical", "serious", "moderate")
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def _fits(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]} px wide in a {widths[1]} px window"


def _both_sizes(page) -> None:
    """axe at desktop size and at 360 px (where nothing scrolls sideways), then back."""
    assert_accessible(page, impacts=ALL_IMPACTS)
    page.set_viewport_size(PHONE)
    assert_accessible(page, impacts=ALL_IMPACTS)
    _fits(page)
    page.set_viewport_size(DESKTOP)


def _feed_with(page, *creators: str) -> None:
    """The Feed once it lists these creators' videos (the poll the connection asked for may
    still be storing them: a Feed loaded before that shows a "new mentions" banner instead)."""
    for _ in range(10):
        page.goto("/feed")
        try:
            expect(page.get_by_test_id("mention-card").first).to_be_visible()
        except AssertionError:
            continue  # none yet
        if all(card_of(page, c).count() for c in creators):
            return
        page.wait_for_timeout(1000)
    raise AssertionError(f"the Feed never listed {creators}")


def _rows(page):
    return page.get_by_test_id("rights-row")


def test_terms_spark_filters_in_the_url_and_remove_request(browser, app_server, sim, inbox):
    context = browser.new_context(base_url=app_server.url, viewport=DESKTOP)
    context.set_default_timeout(20_000)
    page = context.new_page()
    sign_up(page, inbox, "owner@rightsfilters.com", "Rights Filters")
    connect_v1(page, sim, "rightsfilters")
    for creator in ("usage.maker", "spark.maker"):
        sim.post("/creators", {"handle": creator, "dm_setting": "everyone"})
        sim.post(
            "/mentions",
            {"brand_username": "rightsfilters", "creator_handle": creator, "caption": "Hi!"},
        )
    run_job(app_server.url, "poll_mentions")

    # custom terms, from Manage Rights
    page.goto("/rights")
    page.get_by_role("button", name="+ Add custom terms").click()
    terms = page.get_by_role("dialog", name="Add custom terms")
    expect(terms).to_be_visible()
    _both_sizes(page)
    terms.get_by_label("Terms web address").fill("http://brand.example/terms")
    terms.get_by_role("button", name="Save terms").click()
    expect(terms.get_by_role("alert")).to_contain_text("must be a full https:// link")
    terms.get_by_label("Terms web address").fill("https://brand.example/terms")
    terms.get_by_role("button", name="Save terms").click()
    expect(terms).to_have_count(0)
    expect(page.get_by_test_id("terms-current")).to_contain_text("version 1")

    # a usage-rights request and a Spark Ads Code request, from the Feed's cards
    _feed_with(page, "usage.maker", "spark.maker")
    card_of(page, "usage.maker").get_by_role("button", name="Looking for usage rights?").click()
    window = page.get_by_role("dialog", name="Looking for usage rights?")
    expect(window.get_by_test_id("request-terms")).to_contain_text("https://brand.example/terms")
    window.get_by_role("button", name="Submit a Request").click()
    expect(window).to_have_count(0)
    card_of(page, "spark.maker").get_by_role("button", name="Request Spark Ads Code").click()
    window = page.get_by_role("dialog", name="Request Spark Ads Code")
    expect(window).to_be_visible()
    _both_sizes(page)
    window.get_by_label("Spark Ads Code Duration").select_option("60 days")
    window.get_by_role("button", name="Submit a Request").click()
    expect(window).to_have_count(0)

    # the filters: each change is in the URL; reload and a shared link keep it
    page.goto("/rights")
    expect(_rows(page)).to_have_count(2)
    page.get_by_role("button", name="Add Filter").click()
    page.get_by_role("menuitem", name="Scope").click()
    page.get_by_label("Scope", exact=True).select_option("Spark Code")
    page.wait_for_url(re.compile(r"/rights/?\?scope=spark_code$"))
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page).get_by_test_id("rights-scope")).to_have_text("Spark Code · 60 days")
    expect(_rows(page)).to_contain_text("60 days")
    page.get_by_label("Search creators").fill("usage")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"/rights/?\?scope=spark_code&q=usage$"))
    expect(page.get_by_text("No requests match these filters.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Scope", exact=True)).to_have_value("spark_code")
    expect(page.get_by_label("Search creators")).to_have_value("usage")
    expect(page.get_by_text("No requests match these filters.")).to_be_visible()
    shared = context.new_page()
    shared.goto("/rights?scope=usage_rights&q=usage")
    expect(_rows(shared)).to_have_count(1)
    expect(_rows(shared)).to_contain_text("@usage.maker")
    expect(shared.get_by_label("Scope", exact=True)).to_have_value("usage_rights")
    shared.goto("/rights?scope=everything&responded_from=soon")
    expect(shared.get_by_test_id("filter-note")).to_have_count(2)
    expect(shared.get_by_test_id("filter-note").first).to_contain_text(
        "not Usage Rights or Spark Code"
    )
    expect(_rows(shared)).to_have_count(2)
    shared.close()
    page.get_by_role("button", name="Remove the Scope filter").click()
    page.wait_for_url(re.compile(r"/rights/?\?q=usage$"))
    page.get_by_role("button", name="Clear filters").click()
    page.wait_for_url(at("/rights"))
    expect(_rows(page)).to_have_count(2)
    assert_accessible(page, impacts=ALL_IMPACTS)

    # Remove request: asked first, then gone from the table (other rows stay)
    page.get_by_role("button", name="Remove the request to @usage.maker").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Remove the request to @usage.maker?")
    _both_sizes(page)
    confirm.get_by_role("button", name="Remove request").click()
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page)).to_contain_text("@spark.maker")
    page.reload()
    expect(_rows(page)).to_have_count(1)
    context.close()
