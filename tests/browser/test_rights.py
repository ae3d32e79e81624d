"""Usage rights as a brand team uses them: the request window on a Feed card, the DM in the
simulator, Manage Rights, Copy message, and the retry job sending a queued request once."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    Simulator,
    assert_accessible,
    at,
    connect_v1,
    open_rights_window,
    sign_up,
)

ALL_IMPACTS = ("critical", "serious", "moderate")


@pytest.fixture
def clipboard_page(browser, app_server):
    """A browser profile that may read what the page copied (as a person pasting it would)."""
    contexts = []

    def make(**kw):
        context = browser.new_context(
            base_url=app_server.url, permissions=["clipboard-read", "clipboard-write"], **kw
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def mention_by(app_url: str, sim: Simulator, brand: str, creator: str, dm_setting: str) -> None:
    """A creator with that DM setting posts a video mentioning the brand; the poll collects it."""
    sim.post("/creators", {"handle": creator, "dm_setting": dm_setting})
    sim.post(
        "/mentions",
        {"brand_username": brand, "creator_handle": creator, "caption": f"Loving @{brand}!"},
    )
    run_job(app_url, "poll_mentions")


def run_job(app_url: str, name: str) -> dict:
    answer = httpx.post(f"{app_url}/dev/jobs/{name}", timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def messages_to(sim: Simulator, creator: str) -> list[dict]:
    return sim.http.get(f"/creators/{creator}/messages").json()["messages"]


def card_of(page, creator: str):
    return page.get_by_test_id("mention-card").filter(has_text="@" + creator)


def test_a_request_to_an_everyone_creator_is_sent_as_a_dm_and_shows_requested(
    clipboard_page, sim, inbox, app_server
):
    page = clipboard_page()
    sign_up(page, inbox, "owner@rightsopen.com", "Rights Open")
    connect_v1(page, sim, "rightsopen")
    mention_by(app_server.url, sim, "rightsopen", "open.maker", "everyone")

    page.goto("/feed")
    card = card_of(page, "open.maker")
    button = card.get_by_role("button", name="Looking for usage rights?")
    dialog = page.get_by_role("dialog", name="Looking for usage rights?")
    button.focus()  # with the keyboard: Enter opens it, focus moves in, Escape gives it back
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    assert page.evaluate("document.querySelector('[role=dialog]').contains(document.activeElement)")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(button).to_be_focused()
    button.click()
    expect(dialog).to_be_visible()
    box = dialog.get_by_label("Message to @open.maker")
    expect(box).to_have_value(re.compile("all digital media unless stated otherwise"))
    preview = dialog.get_by_role("group", name="Preview of the TikTok message")
    expect(preview).to_contain_text("@rightsopen")
    avatar = preview.get_by_test_id("preview-avatar").bounding_box()
    assert avatar and avatar["width"] <= 40 and avatar["height"] <= 40, avatar  # a chat avatar
    expect(preview).to_contain_text("https://www.tiktok.com/@open.maker/video/")
    expect(dialog).to_contain_text("Links in TikTok messages are not clickable")
    expect(dialog).to_contain_text("Archive does not provide legal counsel")
    assert_accessible(page, impacts=ALL_IMPACTS)

    box.fill("")
    dialog.get_by_role("button", name="Submit a Request").click()
    expect(dialog.get_by_role("alert")).to_have_text("Write a message to the creator first.")
    assert messages_to(sim, "open.maker") == []

    box.fill("Hi! May we share this on our website?")
    expect(preview).to_contain_text("May we share this on our website?")  # live preview
    dialog.get_by_role("button", name="Save as Default Message").click()
    expect(dialog.get_by_role("status")).to_contain_text("Saved as the default message")
    dialog.get_by_role("button", name="Submit a Request").click()

    expect(page.locator("[data-sonner-toast]")).to_contain_text(
        "Request sent to @open.maker as a TikTok message"
    )
    expect(dialog).to_have_count(0)
    expect(card.get_by_test_id("rights-status")).to_have_text("Requested")
    (dm,) = messages_to(sim, "open.maker")
    assert dm["sender_username"] == "rightsopen"
    assert dm["text"].startswith("Hi! May we share this on our website?\n\nhttps://www.tiktok.com/")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Manage Rights").click()
    page.wait_for_url(at("/rights"))
    row = page.get_by_test_id("rights-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("rights-status")).to_have_text("Requested")
    expect(row).to_contain_text("@rightsopen")
    expect(row).to_contain_text("by owner@rightsopen.com")
    expect(row.get_by_role("button", name="Retry sending")).to_have_count(0)
    assert_accessible(page, impacts=ALL_IMPACTS)

    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    assert download.value.suggested_filename.startswith("usage-rights-")
    with open(download.value.path(), encoding="utf-8") as exported:
        lines = exported.read().splitlines()
    assert lines[0].startswith("creator,scope,status,reason,requested at (UTC)")
    # a cell starting with "@" would run as a formula in a spreadsheet: it gets a leading quote
    assert lines[1].startswith("'@open.maker,Usage Rights,Requested,,") and len(lines) == 2
    page.get_by_role("button", name="Add Filter").click()
    page.get_by_role("menuitem", name="Status").click()
    page.get_by_label("Status", exact=True).select_option("In Queue")
    page.wait_for_url(at("/rights?status=in_queue"))
    expect(page.get_by_text("No requests match these filters.")).to_be_visible()
    page.get_by_role("button", name="Clear filters").click()
    expect(page.get_by_test_id("rights-row")).to_have_count(1)


def test_a_friends_only_creator_is_queued_copied_and_sent_once_when_they_open_dms(
    clipboard_page, sim, inbox, app_server
):
    page = clipboard_page()
    sign_up(page, inbox, "owner@rightsshy.com", "Rights Shy")
    connect_v1(page, sim, "rightsshy")
    mention_by(app_server.url, sim, "rightsshy", "shy.maker", "friends")

    page.goto("/feed")
    card = card_of(page, "shy.maker")
    dialog = open_rights_window(page, card)
    dialog.get_by_label("Message to @shy.maker").fill("Could we repost your video?")
    dialog.get_by_role("button", name="Submit a Request").click()
    expect(page.locator("[data-sonner-toast]")).to_contain_text(
        "Request to @shy.maker is In Queue: @shy.maker's TikTok settings don't accept messages"
    )
    expect(card.get_by_test_id("rights-status")).to_have_text("In Queue")
    assert messages_to(sim, "shy.maker") == []

    page.goto("/rights")
    row = page.get_by_test_id("rights-row")
    expect(row.get_by_test_id("rights-status")).to_have_text("In Queue")
    expect(row.get_by_test_id("rights-reason")).to_contain_text(
        "@shy.maker's TikTok settings don't accept messages from this account"
    )
    row.get_by_role("button", name="Copy message").click()
    expect(page.locator("[data-sonner-toast]")).to_contain_text("Message and links copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert re.fullmatch(
        r"Could we repost your video\?\n\nhttps://www\.tiktok\.com/@shy\.maker/video/\S+\n\n"
        r"Approve or decline here: http\S+/r/[A-Za-z0-9_-]{43}\n"
        r"Copy this link into your browser: .+",
        copied,
    ), copied

    other_tab = clipboard_page()  # a teammate's view of the same workspace, left open
    other_tab.context.add_cookies(page.context.cookies())
    other_tab.goto("/rights")
    expect(other_tab.get_by_test_id("rights-status")).to_have_text("In Queue")

    sim.http.patch("/creators/shy.maker", json={"dm_setting": "everyone"})
    sim.post("/clock", {"advance_seconds": 16 * 60})  # past the first 15-minute backoff
    run_job(app_server.url, "retry_queued_dms")
    run_job(app_server.url, "retry_queued_dms")

    (dm,) = messages_to(sim, "shy.maker")
    assert dm["text"] == copied
    for tab in (page, other_tab):  # live, without a reload
        expect(tab.get_by_test_id("rights-status")).to_have_text("Requested")
    run_job(app_server.url, "retry_queued_dms")
    assert len(messages_to(sim, "shy.maker")) == 1

    page.get_by_role("button", name=re.compile("Set status of the request to @shy.maker")).click()
    page.get_by_role("menuitem", name="Mark as Approved").click()
    expect(other_tab.get_by_test_id("rights-status")).to_have_text("Approved")
    expect(page.get_by_test_id("rights-row")).to_contain_text(
        "Set to Approved by owner@rightsshy.com"
    )
    page.goto("/feed")
    expect(
        card_of(page, "shy.maker").get_by_role("button", name="Looking for usage rights?")
    ).to_be_disabled()
