"""The creator's side, as a creator lives it: the link copied from the TikTok DM the simulator
received, opened on a phone with no Archive session, `Continue with TikTok` on the simulated
consent page, then `Approve` or `Decline`. The owner's Manage Rights tab, left open, changes by
itself, and the proof page names the verified account."""

from __future__ import annotations

import re
from datetime import datetime

import httpx
import pytest
from playwright.sync_api import expect

from archive_app import dates
from tests.browser.helpers import (
    Simulator,
    assert_accessible,
    connect_v1,
    open_rights_window,
    sign_up,
)

ALL_IMPACTS = ("critical", "serious", "moderate")
LINK = re.compile(r"Approve or decline here: (http\S+/r/[A-Za-z0-9_-]{43})\n")


@pytest.fixture
def phone(browser, app_server):
    """A phone-sized browser with no Archive session (the creator's)."""
    contexts = []

    def make():
        context = browser.new_context(
            base_url=app_server.url,
            viewport={"width": 360, "height": 740},
            is_mobile=True,
            has_touch=True,
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def run_job(app_url: str, name: str) -> None:
    answer = httpx.post(f"{app_url}/dev/jobs/{name}", timeout=30)
    assert answer.status_code == 200, answer.text


def request_sent(page, sim: Simulator, inbox, app_url: str, *, brand: str, creator: str) -> str:
    """The owner of ``brand`` asks ``creator`` for usage rights; returns the link in the DM."""
    sign_up(page, inbox, f"owner@{brand}.com", brand.title())
    connect_v1(page, sim, brand)
    sim.post("/creators", {"handle": creator, "dm_setting": "everyone"})
    sim.post("/mentions", {"brand_username": brand, "creator_handle": creator, "caption": "Hi!"})
    run_job(app_url, "poll_mentions")
    page.goto("/feed")
    card = page.get_by_test_id("mention-card").filter(has_text="@" + creator)
    dialog = open_rights_window(page, card)
    preview = dialog.get_by_role("group", name="Preview of the TikTok message")
    expect(preview.get_by_test_id("preview-answer-link")).to_contain_text("/r/•••")
    dialog.get_by_label(f"Message to @{creator}").fill("May we share your video on our site?")
    dialog.get_by_role("button", name="Submit a Request").click()
    expect(card.get_by_test_id("rights-status")).to_have_text("Requested")
    (dm,) = sim.http.get(f"/creators/{creator}/messages").json()["messages"]
    assert "Copy this link into your browser" in dm["text"]
    found = LINK.search(dm["text"])
    assert found, dm["text"]
    return found.group(1)


def continue_with_tiktok(creator_page, sim: Simulator, username: str) -> None:
    sim.account(username)
    creator_page.get_by_role("link", name="Continue with TikTok").click()
    creator_page.get_by_label("TikTok account (username)").fill(username)
    creator_page.get_by_role("button", name="Authorize").click()
    creator_page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]{43}$"))


def today(sim: Simulator) -> str:
    return dates.day(datetime.fromisoformat(sim.http.get("/state").json()["now"]))


def test_the_creator_approves_from_the_dm_link_and_the_owner_sees_it_live_with_proof(
    new_page, phone, sim, inbox, app_server
):
    owner = new_page()
    link = request_sent(owner, sim, inbox, app_server.url, brand="portalyes", creator="yes.maker")
    owner.goto("/rights")
    row = owner.get_by_test_id("rights-row")
    expect(row.get_by_test_id("rights-status")).to_have_text("Requested")

    creator = phone()
    creator.goto(link)
    expect(creator.get_by_role("heading", level=1)).to_have_text(
        "@yes.maker, Portalyes asks about your video"
    )
    expect(creator.get_by_text("May we share your video on our site?")).to_be_visible()
    expect(creator.get_by_text("Usage Rights", exact=True)).to_be_visible()
    assert creator.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(creator, impacts=ALL_IMPACTS)
    button = creator.get_by_role("link", name="Continue with TikTok").bounding_box()
    assert button and button["height"] >= 48

    continue_with_tiktok(creator, sim, "yes.maker")
    expect(creator.get_by_text("Logged in with TikTok as @yes.maker.")).to_be_visible()
    assert_accessible(creator, impacts=ALL_IMPACTS)
    creator.get_by_role("button", name="Approve").click()
    expect(creator.get_by_role("heading", name="You approved this request")).to_be_visible()
    assert creator.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    expect(row.get_by_test_id("rights-status")).to_have_text("Approved")  # no reload
    expect(row).to_contain_text(today(sim))
    mail = inbox.wait_for(
        to="owner@portalyes.com", subject_contains="@yes.maker approved your usage-rights request"
    )
    assert mail is not None
    owner.get_by_role("link", name="Proof of @yes.maker's answer").click()
    owner.wait_for_url(re.compile(r"/rights/\d+/proof/?$"))
    expect(owner.get_by_test_id("proof-decision")).to_have_text("Approved")
    expect(owner.get_by_test_id("proof-identified")).to_have_text("TikTok account verified")
    expect(owner.get_by_test_id("proof-account")).to_contain_text("@yes.maker")
    expect(owner.get_by_test_id("proof-terms")).to_have_text("No custom terms")
    expect(owner.get_by_test_id("proof-message")).to_have_text(
        "May we share your video on our site?"
    )
    assert_accessible(owner, impacts=ALL_IMPACTS)


def test_the_creator_declines_with_a_note_and_the_owner_tab_says_declined(
    new_page, phone, sim, inbox, app_server
):
    owner = new_page()
    link = request_sent(owner, sim, inbox, app_server.url, brand="portalno", creator="no.maker")
    owner.goto("/rights")
    row = owner.get_by_test_id("rights-row")

    creator = phone()
    creator.goto(link)
    continue_with_tiktok(creator, sim, "no.maker")
    creator.get_by_label("Note to Portalno (optional)").fill("Not this one, sorry!")
    creator.get_by_role("button", name="Decline").click()
    expect(creator.get_by_role("heading", name="You declined this request")).to_be_visible()
    expect(creator.get_by_text("Not this one, sorry!")).to_be_visible()

    expect(row.get_by_test_id("rights-status")).to_have_text("Declined")
    mail = inbox.wait_for(
        to="owner@portalno.com", subject_contains="@no.maker declined your usage-rights request"
    )
    assert mail is not None
    owner.goto(owner.url)  # the proof keeps the note
    owner.get_by_role("link", name="Proof of @no.maker's answer").click()
    expect(owner.get_by_test_id("proof-note")).to_have_text("Not this one, sorry!")


def test_a_different_tiktok_account_is_refused_on_the_creator_page(
    new_page, phone, sim, inbox, app_server
):
    owner = new_page()
    link = request_sent(owner, sim, inbox, app_server.url, brand="portalwho", creator="real.maker")
    owner.goto("/rights")
    status = owner.get_by_test_id("rights-status")
    expect(status).to_have_text("Requested", timeout=20_000)
    creator = phone()
    creator.goto(link)
    continue_with_tiktok(creator, sim, "impostor")
    expect(creator.get_by_role("alert")).to_contain_text(
        "You are logged in to TikTok as @impostor, but this request was sent to @real.maker."
    )
    expect(creator.get_by_role("button", name="Approve")).to_have_count(0)
    assert_accessible(creator, impacts=ALL_IMPACTS)
    owner.reload()
    expect(status).to_have_text("Requested", timeout=20_000)
