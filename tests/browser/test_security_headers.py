"""Issue 18, section 5: every response of the running app (``reflex run --env prod``) carries the
security headers, and the app's own pages run under its Content-Security-Policy in Chromium
with no violation."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.browser.helpers import at, log_in

DEMO_OWNER, DEMO_PASSWORD = "demo@example.com", "demo1234"
SIGNED_IN_PAGES = (
    "/feed",
    "/creators",
    "/rights",
    "/settings/sources",
    "/settings/team",
    "/settings/profile",
)
EXPECTED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}
# Recorded in the page before any script of the app runs.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _check(response: httpx.Response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.url, name, response.headers)
    csp = response.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, (response.url, csp)
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "strict-transport-security" not in response.headers  # the public URL is http here


def test_every_kind_of_response_carries_the_security_headers(app_server):
    with httpx.Client(base_url=app_server.url, timeout=20) as http:
        moved = http.get("/login", headers={"Accept": "text/html"})  # to "/login/"
        http.follow_redirects = True
        login = http.get("/login", headers={"Accept": "text/html"})
        script = re.search(r'href="(/assets/[^"]+\.js)"', login.text)
        assert script, login.text[:2000]
        responses = [
            moved,
            login,
            http.get("/", headers={"Accept": "text/html"}),
            http.get(script.group(1), headers={"Accept-Encoding": "gzip"}),  # a static file
            http.get("/favicon.ico"),
            http.get("/_event/", params={"EIO": "4", "transport": "polling"}),  # the handshake
            http.get("/ping"),
            http.get("/_health"),
            http.post("/auth/login", data={"email": "x@y.z", "password": "nope-nope"}),
            http.get("/dev/mail"),
            http.get("/_sim/control/state"),
            http.get("/no/such/page"),
        ]
    for response in responses:
        _check(response)


@pytest.mark.parametrize("width", [1280, 360])
def test_the_apps_pages_run_with_no_csp_violation(new_page, width):
    page = new_page()
    page.set_viewport_size({"width": width, "height": 800})
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.add_init_script(LISTEN)

    page.goto("/login")
    page.get_by_label("Email").wait_for()
    seen = {"/login": page.evaluate("window.__cspViolations")}
    log_in(page, DEMO_OWNER, DEMO_PASSWORD)
    for path in SIGNED_IN_PAGES:
        page.goto(path)
        page.wait_for_url(at(path))
        page.get_by_role("main").wait_for()
        page.wait_for_timeout(500)  # the socket's updates and their toasts, thumbnails
        seen[path] = page.evaluate("window.__cspViolations")
    page.goto("/dev/mail")
    seen["/dev/mail"] = page.evaluate("window.__cspViolations")

    assert {path: found for path, found in seen.items() if found} == {}
    assert [m for m in console if "Content Security Policy" in m or "Refused to" in m] == []
