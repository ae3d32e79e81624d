"""Helpers shared by the browser tests."""

from __future__ import annotations

import re
from email.message import Message

from playwright.sync_api import expect


def body_text(message: Message) -> str:
    parts = message.walk() if message.is_multipart() else [message]
    return "\n".join(
        p.get_payload(decode=True).decode(p.get_content_charset() or "utf-8", "replace")
        for p in parts
        if p.get_content_maintype() == "text"
    )


def log_in(page, email: str, password: str) -> None:
    """Log in as ``email``: a session this browser still holds (demo sessions survive clock
    moves) is dropped first, or /login would send it straight to the Feed as whoever it was."""
    page.context.clear_cookies(name="archive_session")
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(at("/feed"))


def at(path: str) -> re.Pattern[str]:
    """The app's static pages answer with a trailing slash; either form is the same page."""
    return re.compile(re.escape(path) + r"/?(\?.*)?$")


SIGNUP_LINK = re.compile(r"https?://\S+/auth/signup/confirm/[^\s\"<>]+")


def sign_up(page, inbox, email: str, workspace: str, password: str = "brand-pass-1") -> None:
    """A workspace of the test's own, so tests sharing one app server never see each other.

    As a person does it: the form, "Check your email", then the emailed link, opened in the
    same browser (the link works only there).
    """
    page.goto("/signup")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password (at least 8 characters)").fill(password)
    page.get_by_label("Workspace name").fill(workspace)
    page.get_by_role("button", name="Create account").click()
    page.get_by_test_id("signup-sent").wait_for()
    mail = inbox.wait_for(to=email, subject_contains="Finish creating")
    link = SIGNUP_LINK.search(body_text(mail))
    assert link, body_text(mail)
    page.goto(link.group(0))
    page.wait_for_url(at("/feed"))


def open_sources(page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sources").click()
    page.wait_for_url(at("/settings/sources"))


def connect_v2(page, username: str) -> None:
    """Add Source → TikTok Account v.2 → the simulator's consent page, as ``username``."""
    page.get_by_role("button", name="Add Source").first.click()
    page.get_by_role("button", name=re.compile("TikTok Account v.2")).click()
    page.get_by_role("button", name="Continue to TikTok").click()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    page.get_by_label("TikTok account (username)").fill(username)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(r"/settings/sources/?\?connected="))


def connect_v1(page, sim: Simulator, username: str) -> None:
    """Sources → Add Source → TikTok Account v.1 → its QR code, scanned and confirmed in the
    simulator's phone as ``username`` (made there first); waits for the row to say Active."""
    sim.account(username)
    open_sources(page)
    page.get_by_role("button", name="Add Source").first.click()
    page.get_by_role("button", name=re.compile("TikTok Account v.1")).click()
    page.get_by_role("button", name="Set Up Reminders").click()
    page.get_by_role("button", name="Connect TikTok").click()
    expect(page.get_by_test_id("qr-image")).to_be_visible(timeout=10_000)
    token = sim.newest_qr()["token"]
    sim.post(f"/qr/{token}/scan", {"username": username})
    sim.post(f"/qr/{token}/confirm")
    expect(page.get_by_test_id("source-status")).to_have_text("Active")


def open_rights_window(page, card):
    """Click a Feed card's "Looking for usage rights?" and return the window it opens."""
    card.get_by_role("button", name="Looking for usage rights?").click()
    dialog = page.get_by_role("dialog", name="Looking for usage rights?")
    expect(dialog).to_be_visible()
    return dialog


class Simulator:
    """The TikTok side, played through the simulator's control API (TIKTOK.md)."""

    def __init__(self, base_url: str) -> None:
        import httpx

        self.http = httpx.Client(base_url=f"{base_url}/_sim/control", timeout=10)

    def post(self, path: str, body: dict | None = None) -> dict:
        response = self.http.post(path, json=body or {})
        assert response.status_code < 300, response.text
        return response.json()

    def account(self, username: str) -> None:
        self.post("/accounts", {"username": username, "display_name": username.title()})

    def newest_qr(self) -> dict:
        codes = self.http.get("/state").json()["qr_codes"]
        waiting = [c for c in codes if c["status"] in ("new", "scanned")]
        assert waiting, f"no QR code waiting: {codes}"
        return max(waiting, key=lambda c: c["created_at"])


_AXE = None
BLOCKING = ("critical", "serious")


def axe_violations(page, *, impacts: tuple[str, ...] = BLOCKING) -> list[dict]:
    """axe-core's violations on the page as it is now, of the given impacts.

    axe is injected from the axe-playwright-python package (no internet needed).
    """
    global _AXE
    from axe_playwright_python.sync_playwright import Axe

    _AXE = _AXE or Axe()
    found = _AXE.run(page).response["violations"]
    return [v for v in found if v["impact"] in impacts]


def _settle(page) -> None:
    """Wait until what is shown stops moving: a dialog or toast fading in has a fraction of its
    final contrast, which is not what a person reads."""
    page.wait_for_function(
        "[...document.querySelectorAll('[data-sonner-toast]')]"
        ".every(t => t.dataset.mounted === 'true')"
    )
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")


def assert_accessible(page, *, impacts: tuple[str, ...] = BLOCKING) -> None:
    """Fail on any critical or serious axe-core violation of the page and its open dialogs."""
    _settle(page)
    found = axe_violations(page, impacts=impacts)
    if found:  # something may have started moving while axe ran: judge the settled page
        page.wait_for_timeout(600)
        _settle(page)
        found = axe_violations(page, impacts=impacts)
    assert not found, f"axe-core on {page.url}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    "
        + "\n    ".join(
            n["html"][:200] + "\n      " + n["failureSummary"].replace("\n", " ")[:300]
            for n in v["nodes"][:5]
        )
        for v in found
    )
