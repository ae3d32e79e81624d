"""Forgot password, end to end: the login page's link, the mail through a real SMTP server, the
emailed link, a new password; the old one stops working and other browsers are logged out."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, at, body_text, log_in, sign_up

RESET_LINK = re.compile(r"https?://\S+/reset/[A-Za-z0-9_-]+")
SENT = "If an account uses that address, we sent a link"
PHONE = {"width": 360, "height": 740}


def _no_sideways_scroll(page) -> None:
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{page.url} scrolls sideways at {inner}px ({scroll}px wide)"


def _ask_for_link(page, email: str) -> str:
    page.goto("/login")
    page.get_by_role("link", name="Forgot password?").click()
    page.wait_for_url(at("/forgot"))
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    assert_accessible(page)
    _no_sideways_scroll(page)
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Email me a link").click()
    answer = page.get_by_test_id("forgot-sent")
    expect(answer).to_contain_text(SENT)
    return answer.inner_text()


def test_forgot_password_end_to_end_with_the_emailed_link(new_page, inbox):
    email = "forgetful@resetbrand.com"
    other_browser = new_page()
    sign_up(other_browser, inbox, email, "Reset Brand", password="old-pass-12")

    page = new_page()
    page.set_viewport_size(PHONE)
    _ask_for_link(page, email)
    assert_accessible(page)
    _no_sideways_scroll(page)

    mail = inbox.wait_for(to=email, subject_contains="Reset your Archive password")
    text = body_text(mail)
    assert "expires in 1 hour" in text
    assert "If you didn't ask for this, ignore this mail: your password stays as it is." in text
    link = RESET_LINK.search(text)
    assert link, text

    page.goto(link.group(0))
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    expect(page.get_by_text(email)).to_be_visible()
    assert_accessible(page)
    _no_sideways_scroll(page)
    page.get_by_label("New password (at least 8 characters)").fill("new-pass-12")
    page.get_by_label("New password again").fill("new-pass-12")
    page.get_by_role("button", name="Set new password").click()
    page.wait_for_url(re.compile(r"/forgot/?\?done=1"))
    expect(page.get_by_test_id("reset-done")).to_contain_text("Every other browser")
    assert_accessible(page)
    _no_sideways_scroll(page)
    page.get_by_role("link", name="Continue to Archive").click()
    page.wait_for_url(at("/feed"))
    expect(page.get_by_test_id("workspace-name")).to_have_text("Reset Brand")

    # The browser that was logged in before is logged out: its open tab goes to log in.
    other_browser.wait_for_url(re.compile(r"/login"), timeout=15_000)
    other_browser.goto("/feed")
    other_browser.wait_for_url(re.compile(r"/login"))

    # The old password no longer logs in; the new one does.
    stranger = new_page()
    stranger.goto("/login")
    stranger.get_by_label("Email").fill(email)
    stranger.get_by_label("Password").fill("old-pass-12")
    stranger.get_by_role("button", name="Log in").click()
    expect(stranger.get_by_role("alert")).to_contain_text("don't match an account")
    log_in(stranger, email, "new-pass-12")

    # The link worked once.
    again = new_page()
    again.goto(link.group(0))
    expect(again.get_by_test_id("reset-invalid")).to_contain_text("Ask for a new link")
    assert_accessible(again)


def test_forgot_password_answers_the_same_for_an_address_without_an_account(new_page, inbox):
    known = _ask_for_link(new_page(), "demo@example.com")
    unknown = _ask_for_link(new_page(), "nobody-here@resetbrand.com")
    assert known == unknown
    inbox.wait_for(to="demo@example.com", subject_contains="Reset your Archive password")
    assert inbox.count(to="nobody-here@resetbrand.com", subject_contains="Reset") == 0
