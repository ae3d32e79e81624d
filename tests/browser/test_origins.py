"""The demo works at every loopback spelling; any other address gets a page saying what to set.

The app runs with no ARCHIVE_PUBLIC_URL, as `make run` starts it (http://localhost:<port>).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import launch_app
from tests.browser.helpers import assert_accessible, log_in

DEMO_OWNER, DEMO_PASSWORD = "demo@example.com", "demo1234"


@pytest.fixture(scope="module")
def default_url_app(inbox, tmp_path_factory):
    # An empty ARCHIVE_PUBLIC_URL is the default: http://localhost:<port>. These tests are about
    # origins, not the listening address: the demo listens on 127.0.0.1 only by default, so
    # ARCHIVE_HOST="::" lets [::1] and 127.0.0.2 reach it (tests/test_rxconfig.py: the default).
    with launch_app(
        tmp_path_factory.mktemp("origins"),
        smtp_port=inbox.port,
        env={"ARCHIVE_PUBLIC_URL": "", "ARCHIVE_HOST": "::"},
    ) as app:
        yield app


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_the_demo_works_at_every_loopback_spelling(browser, default_url_app, host):
    port = default_url_app.url.rsplit(":", 1)[1]
    context = browser.new_context(base_url=f"http://{host}:{port}")
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        page.goto("/login")
        log_in(page, DEMO_OWNER, DEMO_PASSWORD)
        # the workspace name arrives over the websocket: the socket was accepted
        expect(page.get_by_test_id("workspace-name")).to_have_text("Demo Brand")
        expect(page.get_by_text("Cannot connect to server")).to_have_count(0)
    finally:
        context.close()


def test_another_address_gets_a_page_naming_the_setting_not_a_spinner(browser, default_url_app):
    port = default_url_app.url.rsplit(":", 1)[1]
    context = browser.new_context()
    try:
        page = context.new_page()
        # 127.0.0.2 reaches this machine but is not one of the app's origins
        response = page.goto(f"http://127.0.0.2:{port}/login")
        assert response is not None and response.status == 421
        expect(page.get_by_role("heading")).to_have_text("Archive is not set up for this address")
        expect(page.get_by_role("alert")).to_contain_text(f"http://localhost:{port}")
        expect(page.get_by_text(f"ARCHIVE_PUBLIC_URL=http://127.0.0.2:{port}")).to_be_visible()
        assert_accessible(page)
    finally:
        context.close()


def test_the_login_page_shows_no_text_from_its_url(browser, default_url_app):
    context = browser.new_context(base_url=default_url_app.url.replace("127.0.0.1", "localhost"))
    try:
        page = context.new_page()
        page.goto("/login?error=Call+555-0100+now&notice=Your+account+is+locked&email=x%40evil.com")
        expect(page.get_by_role("heading", name="Log in to Archive")).to_be_visible()
        expect(page.get_by_test_id("demo-hint")).to_be_visible()  # the page has loaded its state
        expect(page.get_by_text("555-0100")).to_have_count(0)
        expect(page.get_by_text("locked")).to_have_count(0)
        expect(page.get_by_label("Email")).to_have_value("")
        expect(page.get_by_role("alert")).to_have_count(0)
    finally:
        context.close()
