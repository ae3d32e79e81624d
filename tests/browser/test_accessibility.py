"""Every page passes axe-core, reads with a keyboard and a screen reader, and fits a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    assert_accessible,
    at,
    connect_v2,
    log_in,
    open_rights_window,
    open_sources,
    sign_up,
)

DEMO_OWNER, DEMO_PASSWORD = "demo@example.com", "demo1234"
# Landmark rules are "moderate" in axe: this test holds every page to them too.
ALL_IMPACTS = ("critical", "serious", "moderate")
SIGNED_IN_PAGES = (
    "/feed",
    "/creators",
    "/creators/maya.makes",
    "/rights",
    "/settings/sources",
    "/settings/team",
    "/settings/profile",
)
PHONES = [(360, 740), (390, 844)]


def _check(page) -> None:
    assert_accessible(page, impacts=ALL_IMPACTS)


def test_every_page_and_wizard_step_passes_axe_as_the_demo_owner(new_page):
    page = new_page()
    page.goto("/login")
    expect(page.get_by_role("main")).to_be_visible()
    _check(page)
    page.goto("/signup")
    expect(page.get_by_role("button", name="Create account")).to_be_visible()
    _check(page)
    page.goto("/signup?sent=1")  # "Check your email", where the sign-up form lands
    expect(page.get_by_test_id("signup-sent")).to_be_visible()
    _check(page)
    page.goto("/invite/not-a-real-token")
    expect(page.get_by_role("heading", name="Invitation unavailable")).to_be_visible()
    _check(page)

    log_in(page, DEMO_OWNER, DEMO_PASSWORD)
    for path in SIGNED_IN_PAGES:
        page.goto(path)
        expect(page.get_by_test_id("signed-in-email")).to_have_text(DEMO_OWNER)
        expect(page.get_by_role("main").get_by_role("heading", level=1)).to_be_visible()
        _check(page)

    page.goto("/settings/profile")  # a refused change shows its error
    page.get_by_label("New email").fill("new-owner@example.com")
    page.get_by_label("Current password").first.fill("not-the-password")
    page.get_by_role("button", name="Save email").click()
    expect(page.get_by_role("alert")).to_be_visible()
    _check(page)

    page.goto("/settings/sources")
    page.get_by_role("button", name="Add Source").first.click()
    expect(page.get_by_role("dialog")).to_contain_text("You don't need to choose")
    _check(page)
    page.get_by_role("button", name=re.compile("TikTok Account v.1")).click()
    expect(page.get_by_role("button", name="Set Up Reminders")).to_be_visible()
    _check(page)
    page.get_by_role("button", name="Set Up Reminders").click()
    expect(page.get_by_label("Reminder email")).to_be_visible()
    page.get_by_label("Reminder email").fill("not an email")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("not a valid email")
    _check(page)
    page.get_by_role("button", name="Close").click()
    page.get_by_role("button", name="Add Source").first.click()
    page.get_by_role("button", name=re.compile("TikTok Account v.2")).click()
    expect(page.get_by_role("button", name="Continue to TikTok")).to_be_visible()
    _check(page)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)

    # A real invitation, opened by someone signed out; revoked afterwards.
    page.goto("/settings/team")
    page.get_by_label("Email to invite").fill("a11y-invitee@example.com")
    page.get_by_role("button", name="Send invite").click()
    link = page.get_by_test_id("invite-link").inner_text()
    _check(page)
    guest = new_page()
    guest.goto(link)
    expect(guest.get_by_role("heading", name="Join Demo Brand")).to_be_visible()
    _check(guest)
    row = page.get_by_role("row").filter(has_text="a11y-invitee@example.com")
    row.get_by_role("button", name="Revoke").click()
    expect(row).to_have_count(0)


def _fits(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]} px wide in a {widths[1]} px window"


@pytest.mark.parametrize(("width", "height"), PHONES, ids=lambda v: str(v))
def test_no_page_scrolls_sideways_on_a_phone(browser, app_server, width, height):
    context = browser.new_context(
        base_url=app_server.url, viewport={"width": width, "height": height}
    )
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        for path in ("/login", "/signup", "/signup?sent=1", "/invite/not-a-real-token"):
            page.goto(path)
            expect(page.get_by_role("main")).to_be_visible()
            _fits(page)
        log_in(page, DEMO_OWNER, DEMO_PASSWORD)
        for path in SIGNED_IN_PAGES:
            page.goto(path)
            expect(page.get_by_role("main").get_by_role("heading", level=1)).to_be_visible()
            # The sidebar is a menu button here.
            expect(page.get_by_role("complementary", name="Workspace")).to_be_hidden()
            expect(page.get_by_role("button", name="Menu")).to_be_visible()
            _fits(page)

        page.goto("/settings/team")  # each member a card: the owner can reach Remove
        remove = page.get_by_role("button", name="Remove teammate@example.com")
        expect(remove).to_be_visible()
        assert _drawn_at_its_place(page, remove)

        page.goto("/settings/sources")
        add = page.get_by_role("button", name="Add Source").first
        expect(add).to_be_in_viewport(ratio=1)
        box = add.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, box
        add.click()
        expect(page.get_by_role("dialog")).to_contain_text("You don't need to choose")
        _fits(page)
        page.get_by_role("button", name="Close").click()

        page.get_by_role("button", name="Menu").click()
        menu = page.get_by_role("dialog", name="Menu")
        expect(menu).to_be_visible()
        assert_accessible(page)
        menu.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
        page.wait_for_url(at("/settings/team"))
        expect(
            page.get_by_role("main").get_by_role("heading", name="Team", exact=True)
        ).to_be_visible()
        _fits(page)
    finally:
        context.close()


def test_two_disconnected_sources_are_listed_in_one_pop_up_each_with_connect_now(
    new_page, sim, inbox
):
    sim.account("pairbrandone")
    sim.account("pairbrandtwo")
    page = new_page()
    sign_up(page, inbox, "owner@pairbrand.com", "Pair Brand")
    open_sources(page)
    connect_v2(page, "pairbrandone")
    connect_v2(page, "pairbrandtwo")
    expect(page.get_by_test_id("source-row")).to_have_count(2)
    for avatar in page.get_by_test_id("source-row").locator("img").all():
        assert (avatar.get_attribute("alt") or "").startswith("@pairbrand")
    _check(page)

    sim.post("/accounts/pairbrandone/revoke")
    sim.post("/accounts/pairbrandtwo/revoke")
    # Settings → Sources says it in its red rows, under no pop-up; any other page pops it up.
    expect(page.get_by_test_id("source-status")).to_have_text(
        ["Disconnected", "Disconnected"], timeout=10_000
    )
    expect(page.get_by_test_id("disconnection-alert")).to_have_count(0)
    page.goto("/feed")
    expect(page.get_by_test_id("disconnected-source")).to_have_count(2, timeout=10_000)

    tab = page.context.new_page()  # a new tab: nothing closed in it yet
    tab.goto("/feed")
    dialog = tab.get_by_role("alertdialog", name="TikTok disconnected")
    expect(dialog).to_be_visible()
    one = dialog.get_by_role("button", name="Connect Now @pairbrandone")
    two = dialog.get_by_role("button", name="Connect Now @pairbrandtwo")
    expect(one).to_have_text("Connect Now")
    expect(two).to_have_text("Connect Now")
    expect(dialog).to_contain_text("Access was revoked in the TikTok app")
    _check(tab)

    # By keyboard: Tab reaches each Connect Now in turn; Enter starts that source's reconnect.
    for _ in range(6):
        if two.evaluate("el => el === document.activeElement"):
            break
        tab.keyboard.press("Tab")
    expect(two).to_be_focused()
    tab.keyboard.press("Enter")
    expect(tab.get_by_label("TikTok account (username)")).to_be_visible()

    # `Later` in the first tab closes every listed source there, and only there.
    page.get_by_role("button", name="Later").click()
    expect(page.get_by_test_id("disconnection-alert")).to_have_count(0)
    page.reload()
    expect(
        page.get_by_test_id("mention-card").or_(page.get_by_role("heading", name="Feed")).first
    ).to_be_visible()
    expect(page.get_by_test_id("disconnection-alert")).to_have_count(0)
    other = page.context.new_page()
    other.goto("/feed")
    expect(other.get_by_test_id("disconnected-source")).to_have_count(2)


def test_the_rights_window_and_a_filled_manage_rights_pass_axe_and_fit_a_phone(
    browser, app_server, inbox, sim
):
    """The request window and Manage Rights with a request in it: axe-clean on a desktop and at
    360 px, where neither the page nor the open window scrolls sideways."""
    sim.account("a11yrights")
    sim.post("/creators", {"handle": "a11y.maker", "dm_setting": "friends"})
    for width, height in [(1280, 800), PHONES[0]]:
        context = browser.new_context(
            base_url=app_server.url, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(20_000)
        try:
            page = context.new_page()
            if width == 1280:
                sign_up(page, inbox, "owner@a11yrights.com", "A11y Rights")
                open_sources(page)
                connect_v2(page, "a11yrights")
                sim.post(
                    "/mentions",
                    {
                        "brand_username": "a11yrights",
                        "creator_handle": "a11y.maker",
                        "caption": "Hello @a11yrights",
                    },
                )
                cookies = context.cookies()
            else:  # a second video: the first one's request is open, so it cannot be asked again
                context.add_cookies(cookies)
                sim.post(
                    "/mentions",
                    {
                        "brand_username": "a11yrights",
                        "creator_handle": "a11y.maker",
                        "caption": "Second @a11yrights",
                    },
                )
            page.goto("/feed")
            caption = "Hello @a11yrights" if width == 1280 else "Second @a11yrights"
            card = page.get_by_test_id("mention-card").filter(has_text=caption)
            dialog = open_rights_window(page, card)
            _check(page)
            _fits(page)
            if width == 1280:
                dialog.get_by_label("Message to @a11y.maker").fill("")
                dialog.get_by_role("button", name="Submit a Request").click()
                expect(dialog.get_by_role("alert")).to_be_visible()
                _check(page)
                dialog.get_by_label("Message to @a11y.maker").fill("May we use it?")
                dialog.get_by_role("button", name="Submit a Request").click()
                expect(dialog).to_have_count(0)
            else:
                page.keyboard.press("Escape")
                expect(dialog).to_have_count(0)
            page.goto("/rights")
            expect(page.get_by_test_id("rights-row")).to_have_count(1)
            _check(page)
            _fits(page)
            # every action of the row can be clicked where it is drawn: on screen, not off to
            # the side inside the table nor clipped away
            for name in ("Copy message", re.compile("^Set status")):
                assert _drawn_at_its_place(page, page.get_by_role("button", name=name)), name
        finally:
            context.close()


def _drawn_at_its_place(page, locator) -> bool:
    """The element the browser hits at the centre of ``locator``'s box is that element (or in
    it), and the centre is inside the window: what a tap there would reach. Only the window
    scrolls (down to it): a box that must be scrolled sideways to show it does not count."""
    locator.evaluate("el => window.scrollTo(0, el.getBoundingClientRect().top + scrollY - 100)")
    box = locator.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    viewport = page.viewport_size
    assert viewport is not None
    if not (0 <= x < viewport["width"] and 0 <= y < viewport["height"]):
        return False
    return locator.evaluate(
        "(el, [x, y]) => { const hit = document.elementFromPoint(x, y);"
        " return !!hit && (hit === el || el.contains(hit)); }",
        [x, y],
    )
