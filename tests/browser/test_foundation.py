"""A new user's first minutes: log in, find their way around, invite and remove a teammate."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, at, body_text, log_in, sign_up

DEMO_OWNER, DEMO_MEMBER, DEMO_PASSWORD = "demo@example.com", "teammate@example.com", "demo1234"


def test_demo_owner_logs_in_sees_the_shell_and_logs_out(new_page, app_server):
    page = new_page()
    page.goto("/feed")
    page.wait_for_url(re.compile(r"/login/?\?next=%2Ffeed"))  # signed-out visitors go to login
    expect(page.get_by_test_id("demo-hint")).to_contain_text(DEMO_OWNER)
    assert_accessible(page)
    log_in(page, DEMO_OWNER, DEMO_PASSWORD)
    expect(page.get_by_test_id("workspace-name")).to_have_text("Demo Brand")
    expect(page.get_by_test_id("signed-in-email")).to_have_text(DEMO_OWNER)
    nav = page.get_by_role("navigation", name="Main")
    for label in ("Feed", "Social Profiles", "Manage Rights", "Sources", "Team", "Profile"):
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    # The demo's Feed starts with the demo TikTok's videos (a new workspace's is empty:
    # tests/browser/test_feed.py).
    expect(page.get_by_test_id("mention-card").first).to_be_visible()
    assert_accessible(page)
    nav.get_by_role("link", name="Manage Rights").click()
    expect(page.get_by_test_id("empty-state")).to_contain_text("No usage-rights requests yet")
    assert_accessible(page)
    nav.get_by_role("link", name="Team").click()
    expect(page.get_by_test_id("member-row")).to_have_count(2)
    expect(page.get_by_text(DEMO_MEMBER)).to_be_visible()
    assert_accessible(page)
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["archive_session"]["httpOnly"] is True
    assert cookies["archive_session"]["sameSite"] == "Lax"
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(at("/login"))
    page.goto("/settings/team")
    page.wait_for_url(re.compile(r"/login"))


def test_wrong_password_says_so_and_stays_on_login(new_page):
    page = new_page()
    page.goto("/login")
    page.get_by_label("Email").fill(DEMO_OWNER)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("don't match an account")
    expect(page.get_by_label("Email")).to_have_value(DEMO_OWNER)
    assert_accessible(page)


def test_sign_up_creates_a_workspace_through_the_emailed_link(new_page, inbox):
    page = new_page()
    sign_up(page, inbox, "founder@newbrand.com", "New Brand", password="founder-pass")
    expect(page.get_by_test_id("workspace-name")).to_have_text("New Brand")


def _sign_up_answer(page, email: str) -> str:
    page.goto("/signup")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password (at least 8 characters)").fill("someone-else")
    page.get_by_label("Workspace name").fill("Taken Brand")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_test_id("signup-sent")).to_be_visible()
    assert_accessible(page)
    return page.get_by_test_id("signup-sent").inner_text()


def test_sign_up_with_a_known_address_looks_the_same_and_mails_the_owner(new_page, inbox):
    known = _sign_up_answer(new_page(), DEMO_OWNER)
    fresh = _sign_up_answer(new_page(), "nobody-yet@freshbrand.com")
    assert known == fresh  # the page does not tell a stranger who has an account
    mail = inbox.wait_for(to=DEMO_OWNER, subject_contains="Finish creating")
    assert "/login" in body_text(mail) and "/auth/signup/confirm/" not in body_text(mail)


def test_invited_teammate_joins_and_a_removed_member_is_sent_to_login(new_page, inbox):
    owner = new_page()
    log_in(owner, DEMO_OWNER, DEMO_PASSWORD)
    owner.goto("/settings/team")
    owner.get_by_label("Email to invite").fill("newmate@example.com")
    owner.get_by_role("button", name="Send invite").click()
    link = owner.get_by_test_id("invite-link").inner_text()
    assert "/invite/" in link
    assert_accessible(owner)

    mail = inbox.wait_for(to="newmate@example.com", subject_contains="invited")
    assert link in body_text(mail)  # the same link arrives by email

    mate = new_page()
    mate.goto(link)
    expect(mate.get_by_role("heading", name="Join Demo Brand")).to_be_visible()
    assert_accessible(mate)
    mate.get_by_label("Password", exact=True).fill("newmate-pass")
    mate.get_by_role("button", name="Accept invitation").click()
    mate.wait_for_url(at("/feed"))
    expect(mate.get_by_test_id("workspace-name")).to_have_text("Demo Brand")

    owner.reload()
    owner.get_by_role("button", name="Remove newmate@example.com").click()
    expect(owner.get_by_role("alertdialog")).to_be_visible()
    assert_accessible(owner)
    owner.get_by_role("button", name="Remove member").click()
    expect(owner.get_by_text("newmate@example.com was removed")).to_be_visible()

    # The teammate's already-open tab is sent to the login page without reloading.
    mate.wait_for_url(re.compile(r"/login/?\?notice=removed"), timeout=15_000)
    expect(mate.get_by_role("status")).to_contain_text("no longer have access")
    assert_accessible(mate)
    mate.goto("/feed")
    mate.wait_for_url(re.compile(r"/login"))
