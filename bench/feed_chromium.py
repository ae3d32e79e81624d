"""Chromium, with the Feed bench's data: from the click on "Feed" to the first card drawn.

The app is started as the browser tests start it (``reflex run --env prod``, test mode, on the
bench's SQLite data directory), the demo owner logs in, and each round goes to Team, clicks
"Feed" in the sidebar and waits for the first ``mention-card``.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

ROUNDS = 10


def click_to_first_card(data_dir: Path, rounds: int = ROUNDS) -> list[float]:
    from aiosmtpd.controller import Controller
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import Inbox, launch_app
    from tests.browser.helpers import log_in
    from tests.ports import free_port

    smtp = Controller(Inbox(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    times: list[float] = []
    try:
        with launch_app(data_dir, smtp_port=smtp.port) as app, sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium"),
                args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
            )
            page = browser.new_context(base_url=app.url).new_page()
            page.set_default_timeout(30_000)
            log_in(page, "demo@example.com", "demo1234")
            page.get_by_test_id("mention-card").first.wait_for()
            nav = page.get_by_role("navigation", name="Main")
            for _ in range(rounds + 1):
                nav.get_by_role("link", name="Team").click()
                page.get_by_role("heading", name="Team", exact=True).wait_for()
                start = time.perf_counter()
                nav.get_by_role("link", name="Feed").click()
                page.get_by_test_id("mention-card").first.wait_for(state="visible")
                times.append(time.perf_counter() - start)
            browser.close()
    finally:
        smtp.stop()
    return times[1:]  # the first round compiles the page's code in the browser
