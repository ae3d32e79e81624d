"""Settings → Sources as a new user connects TikTok, with the simulator playing TikTok."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import (
    assert_accessible,
    body_text,
    connect_v2,
    log_in,
    open_sources,
    sign_up,
)


def test_v1_wizard_reminders_then_qr_scan_connects_without_reload(new_page, sim, inbox):
    sim.account("qrbrand")
    page = new_page()
    sign_up(page, inbox, "owner@qrbrand.com", "QR Brand")
    open_sources(page)
    expect(page.get_by_test_id("empty-state")).to_contain_text("No sources yet")
    assert_accessible(page)
    page.get_by_role("button", name="Add Source").first.click()
    page.get_by_role("button", name=re.compile("TikTok Account v.1")).click()
    page.get_by_role("button", name="Set Up Reminders").click()
    chips = page.get_by_test_id("reminder-chip")
    expect(chips).to_have_text(["owner@qrbrand.com"])  # prefilled with the user's own
    field = page.get_by_label("Reminder email")
    field.fill("not an email")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("not a valid email")
    field.fill("OWNER@qrbrand.com")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("already in the list")
    field.fill("social@qrbrand.com")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(chips).to_have_text(["owner@qrbrand.com", "social@qrbrand.com"])
    assert_accessible(page)

    page.get_by_role("button", name="Connect TikTok").click()
    expect(page.get_by_test_id("qr-image")).to_be_visible(timeout=5_000)
    expect(page.get_by_test_id("qr-status")).to_have_text("Waiting for scan")
    expect(page.get_by_role("button", name="Refresh QR code")).to_be_visible()
    assert_accessible(page)

    token = sim.newest_qr()["token"]
    sim.post(f"/qr/{token}/scan", {"username": "qrbrand"})
    expect(page.get_by_test_id("qr-status")).to_have_text("Scanned, confirm in the app")
    sim.post(f"/qr/{token}/confirm")

    row = page.get_by_test_id("source-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("source-handle")).to_have_text("@qrbrand")
    expect(row.get_by_test_id("source-status")).to_have_text("Active")
    expect(row.get_by_test_id("days-remaining")).to_have_text("180 days remaining")
    expect(row).to_contain_text("TikTok Account v.1")
    expect(row).to_contain_text("Reminders to: owner@qrbrand.com, social@qrbrand.com")
    expect(row).to_contain_text("by owner@qrbrand.com")
    assert_accessible(page)


def test_an_expired_qr_code_is_replaced_and_still_connects(new_page, sim, inbox):
    sim.account("slowbrand")
    page = new_page()
    sign_up(page, inbox, "owner@slowbrand.com", "Slow Brand")
    open_sources(page)
    page.get_by_role("button", name="Add Source").first.click()
    page.get_by_role("button", name=re.compile("TikTok Account v.1")).click()
    page.get_by_role("button", name="Set Up Reminders").click()
    page.get_by_role("button", name="Connect TikTok").click()
    first = page.get_by_test_id("qr-image").get_attribute("src")
    old_token = sim.newest_qr()["token"]
    sim.post("/clock", {"advance_seconds": 125})  # a QR code lives about 2 minutes
    expect(page.get_by_test_id("qr-status")).to_contain_text("here is a new one")
    expect(page.get_by_test_id("qr-image")).not_to_have_attribute("src", first)
    assert sim.newest_qr()["token"] != old_token
    # Demo mode offers the simulated phone: it opens what the new QR code encodes.
    phone = new_page()
    phone.goto(page.get_by_test_id("phone-link").get_attribute("href"))
    phone.get_by_label("TikTok account (username)").fill("slowbrand")
    phone.get_by_role("button", name="Confirm").click()
    expect(phone.get_by_text("Go back to your computer")).to_be_visible()
    expect(page.get_by_test_id("source-status")).to_have_text("Active")


def test_v2_consent_connects_with_360_days(new_page, sim, inbox):
    sim.account("consentbrand")
    page = new_page()
    sign_up(page, inbox, "owner@consentbrand.com", "Consent Brand")
    open_sources(page)
    connect_v2(page, "consentbrand")
    row = page.get_by_test_id("source-row")
    expect(row.get_by_test_id("source-handle")).to_have_text("@consentbrand")
    expect(row.get_by_test_id("source-status")).to_have_text("Active")
    expect(row.get_by_test_id("days-remaining")).to_have_text("360 days remaining")
    expect(row).to_contain_text("TikTok Account v.2")
    expect(page.get_by_role("status").first).to_contain_text("Connected @consentbrand")
    assert_accessible(page)


def test_cancel_on_tiktoks_page_comes_back_with_nothing_saved(new_page, sim, inbox):
    page = new_page()
    sign_up(page, inbox, "owner@cancelbrand.com", "Cancel Brand")
    open_sources(page)
    page.get_by_role("button", name="Add Source").first.click()
    page.get_by_role("button", name=re.compile("TikTok Account v.2")).click()
    page.get_by_role("button", name="Continue to TikTok").click()
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_url(re.compile(r"/settings/sources"))
    expect(page.get_by_role("alert")).to_contain_text("Connection cancelled")
    assert_accessible(page)
    expect(page.get_by_test_id("empty-state")).to_contain_text("No sources yet")
    expect(page.get_by_test_id("source-row")).to_have_count(0)


def test_revoked_in_tiktok_turns_red_live_hides_connected_notice_and_reconnect_refuses_others(
    new_page, sim, inbox
):
    sim.account("ownbrand")
    sim.account("strangerbrand")
    page = new_page()
    sign_up(page, inbox, "owner@ownbrand.com", "Own Brand")
    open_sources(page)
    connect_v2(page, "ownbrand")
    expect(page.get_by_test_id("source-status")).to_have_text("Active")
    notice = page.get_by_text("Connected @ownbrand. It is Active now.")
    expect(notice).to_be_visible()

    sim.post("/accounts/ownbrand/revoke")  # the user removes the app inside TikTok
    row = page.get_by_test_id("source-row")
    expect(row.get_by_test_id("source-status")).to_have_text("Disconnected", timeout=10_000)
    expect(notice).to_have_count(0)  # it no longer says "Active now" beside a red row
    expect(row.get_by_test_id("source-reason")).to_contain_text("revoked in the TikTok app")
    assert_accessible(page)
    expect(page.get_by_test_id("disconnection-alert")).to_have_count(0)  # the row says it

    row.get_by_role("button", name="Reconnect @ownbrand").click()
    page.get_by_label("TikTok account (username)").fill("strangerbrand")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(r"/settings/sources"))
    expect(page.get_by_role("alert")).to_contain_text("@ownbrand")
    expect(page.get_by_test_id("source-row")).to_have_count(1)
    expect(page.get_by_test_id("source-handle")).to_have_text("@ownbrand")
    expect(page.get_by_test_id("source-status")).to_have_text("Disconnected")

    page.get_by_role("button", name="Reconnect @ownbrand").click()
    page.get_by_label("TikTok account (username)").fill("ownbrand")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(r"/settings/sources/?\?connected="))
    expect(page.get_by_test_id("source-row")).to_have_count(1)
    expect(page.get_by_test_id("source-status")).to_have_text("Active")
    expect(notice).to_be_visible()


def test_disconnect_asks_first_then_removes_the_grant(new_page, sim, inbox):
    sim.account("byebrand")
    page = new_page()
    sign_up(page, inbox, "owner@byebrand.com", "Bye Brand")
    open_sources(page)
    connect_v2(page, "byebrand")
    page.get_by_role("button", name="Disconnect @byebrand").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("revokes its access at TikTok")
    assert_accessible(page)
    page.get_by_role("alertdialog").get_by_role("button", name="Disconnect").click()
    expect(page.get_by_test_id("source-status")).to_have_text("Disconnected")
    expect(page.get_by_test_id("source-reason")).to_contain_text("by owner@byebrand.com")
    grants = sim.http.get("/state").json()["grants"]
    assert [g["revoked_at"] is not None for g in grants if g["username"] == "byebrand"] == [True]


SUBJECT = "[ACTION REQUIRED]: TikTok Reconnection Needed"


def test_a_disconnection_pops_up_in_open_tabs_and_emails_every_member(new_page, sim, inbox):
    sim.account("alertbrand")
    settings_tab = new_page()
    sign_up(settings_tab, inbox, "owner@alertbrand.com", "Alert Brand")
    open_sources(settings_tab)
    connect_v2(settings_tab, "alertbrand")
    feed_tab = new_page()  # the same person, busy elsewhere in the app
    log_in(feed_tab, "owner@alertbrand.com", "brand-pass-1")
    expect(feed_tab.get_by_test_id("disconnection-alert")).to_have_count(0)

    sim.post("/accounts/alertbrand/revoke")  # the app is removed inside TikTok

    alert = feed_tab.get_by_test_id("disconnection-alert")
    expect(alert).to_be_visible(timeout=10_000)
    expect(alert).to_contain_text("@alertbrand")
    expect(alert).to_contain_text("Access was revoked in the TikTok app")
    assert_accessible(feed_tab)
    # Settings → Sources says it in the red row, under no pop-up.
    expect(settings_tab.get_by_test_id("source-status")).to_have_text("Disconnected")
    expect(settings_tab.get_by_test_id("disconnection-alert")).to_have_count(0)
    mail = inbox.wait_for(to="owner@alertbrand.com", subject_contains=SUBJECT)
    assert mail["Subject"] == SUBJECT
    assert "/settings/sources?reconnect=" in body_text(mail)

    feed_tab.get_by_role("button", name="Connect Now").click()
    feed_tab.get_by_label("TikTok account (username)").fill("alertbrand")
    feed_tab.get_by_role("button", name="Authorize").click()
    feed_tab.wait_for_url(re.compile(r"/settings/sources/?\?connected="))
    expect(feed_tab.get_by_test_id("source-status")).to_have_text("Active")
    expect(feed_tab.get_by_test_id("disconnection-alert")).to_have_count(0)
    expect(settings_tab.get_by_test_id("source-status")).to_have_text("Active")
    assert inbox.count(to="owner@alertbrand.com", subject_contains=SUBJECT) == 1
