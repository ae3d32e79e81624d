"""Links that act on an account, end to end with the real SMTP server: accepting an invitation
as an address that already has an account, and changing the profile email (issue 18)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, at, body_text, sign_up

PASSWORD = "brand-pass-1"  # helpers.sign_up's default


def _link(mail, path: str) -> str:
    found = re.search(rf"https?://\S+{re.escape(path)}[^\s\"<>]+", body_text(mail))
    assert found, body_text(mail)
    return found.group(0)


def test_an_invited_existing_account_logs_in_then_accepts_with_no_password(new_page, inbox):
    owner = new_page()
    sign_up(owner, inbox, "owner@inviterbrand.com", "Inviter Brand")
    invitee = new_page()
    sign_up(invitee, inbox, "solo@otherbrand.com", "Other Brand")
    invitee.get_by_role("button", name="Log out").click()
    invitee.wait_for_url(at("/login"))

    owner.goto("/settings/team")
    owner.get_by_label("Email to invite").fill("solo@otherbrand.com")
    owner.get_by_role("button", name="Send invite").click()
    expect(owner.get_by_text("Invitation sent to solo@otherbrand.com.")).to_be_visible()
    link = _link(inbox.wait_for(to="solo@otherbrand.com", subject_contains="invited"), "/invite/")

    # Signed out: the page never asks this address for a password, only to log in.
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name="Join Inviter Brand")).to_be_visible()
    expect(invitee.get_by_text("already has an Archive account")).to_be_visible()
    expect(invitee.locator("input[type=password]")).to_have_count(0)
    assert_accessible(invitee)
    invitee.get_by_role("link", name="Log in to accept").click()
    invitee.wait_for_url(re.compile(r"/login/?\?next="))
    invitee.get_by_label("Email").fill("solo@otherbrand.com")
    invitee.get_by_label("Password").fill(PASSWORD)
    invitee.get_by_role("button", name="Log in").click()

    # Back on the invitation, signed in as that very account: one button, no password.
    invitee.wait_for_url(re.compile(r"/invite/[^/?]+/?$"))
    expect(invitee.get_by_text("You are logged in as")).to_contain_text("solo@otherbrand.com")
    expect(invitee.locator("input[type=password]")).to_have_count(0)
    assert_accessible(invitee)
    invitee.get_by_role("button", name="Accept invitation").click()
    invitee.wait_for_url(at("/feed"))
    expect(invitee.get_by_test_id("workspace-name")).to_have_text("Inviter Brand")


def test_a_new_profile_email_takes_effect_only_when_the_mailed_link_is_opened(new_page, inbox):
    page = new_page()
    sign_up(page, inbox, "mover@movebrand.com", "Move Brand")
    page.goto("/settings/profile")
    page.get_by_label("New email").fill("moved@movebrand.com")
    page.get_by_label("Current password").first.fill(PASSWORD)
    page.get_by_role("button", name="Save email").click()
    expect(page.get_by_role("status").filter(has_text="We sent a link to")).to_have_text(
        "We sent a link to moved@movebrand.com. Your address changes when you open it."
    )
    expect(page.get_by_test_id("signed-in-email")).to_have_text("mover@movebrand.com")
    assert_accessible(page)

    mail = inbox.wait_for(to="moved@movebrand.com", subject_contains="Confirm your new")
    page.goto(_link(mail, "/email/confirm/"))
    # opening the link changes nothing (mail scanners fetch links): its page asks first
    expect(page.get_by_role("heading", name="Confirm your new email address")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Use this address").click()
    page.wait_for_url(re.compile(r"/settings/profile/?\?email_change=changed"))
    expect(page.get_by_role("status").filter(has_text="was changed")).to_be_visible()
    expect(page.get_by_test_id("signed-in-email")).to_have_text("moved@movebrand.com")
    assert_accessible(page)
    inbox.wait_for(to="mover@movebrand.com", subject_contains="was changed")


def test_resend_on_a_phone_mails_a_new_link_and_the_old_one_stops_working(new_page, inbox):
    owner = new_page()
    owner.set_viewport_size({"width": 360, "height": 740})
    sign_up(owner, inbox, "owner@resendbrand.com", "Resend Brand")
    owner.goto("/settings/team")
    owner.get_by_label("Email to invite").fill("later@resendbrand.com")
    owner.get_by_role("button", name="Send invite").click()
    first = _link(
        inbox.wait_for(to="later@resendbrand.com", subject_contains="invited"), "/invite/"
    )

    resend = owner.get_by_role("button", name="Resend the invitation to later@resendbrand.com")
    expect(resend).to_be_visible()
    revoke = owner.get_by_role("button", name="Revoke the invitation to later@resendbrand.com")
    expect(revoke).to_be_in_viewport(ratio=1)
    expect(resend).to_be_in_viewport(ratio=1)
    widths = owner.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the Team page is {widths[0]} px wide at 360 px"
    assert_accessible(owner)
    resend.click()
    expect(owner.locator("[data-sonner-toast]")).to_contain_text("Invitation sent again")
    for _ in range(150):
        if inbox.count(to="later@resendbrand.com", subject_contains="invited") == 2:
            break
        owner.wait_for_timeout(200)
    assert inbox.count(to="later@resendbrand.com", subject_contains="invited") == 2

    guest = new_page()
    guest.goto(first)
    expect(guest.get_by_role("heading", name="Invitation unavailable")).to_be_visible()
