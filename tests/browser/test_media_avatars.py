"""Avatars kept like covers, in Chromium: a source connected in Settings → Sources shows its
avatar from Archive's copy (same origin, it loads), without a reload, and the browser never
asks the simulated TikTok CDN for it."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from tests.browser.helpers import connect_v2, open_sources, sign_up

# A page load on this shared 2-core machine can take longer than expect's 5 s default.
LOAD = 30_000


def test_a_source_rows_avatar_is_archives_same_origin_copy_and_loads(
    new_page, sim, inbox, app_server
):
    sim.account("avatarbrand")
    page = new_page()
    asked: list[str] = []
    page.context.on("request", lambda request: asked.append(request.url))
    sign_up(page, inbox, "owner@avatarbrand.com", "Avatar Brand")
    open_sources(page)
    connect_v2(page, "avatarbrand")

    # SourceConnected asks for the media job; the kept avatar reaches the open tab by itself.
    avatar = page.get_by_test_id("source-row").filter(has_text="@avatarbrand").locator("img")
    expect(avatar).to_have_attribute(
        "src", re.compile(r"^/media/avatars/s\d+-[0-9a-f]{16}\.png$"), timeout=LOAD
    )
    page.wait_for_function(
        "document.querySelector('[data-testid=source-row] img')?.naturalWidth > 0"
    )
    loaded = avatar.evaluate(
        "img => [img.complete, img.naturalWidth, img.naturalHeight,"
        " new URL(img.src).origin === location.origin]"
    )
    assert loaded == [True, 160, 160, True]

    src = avatar.get_attribute("src") or ""
    assert httpx.get(f"{app_server.url}{src}").status_code == 401  # members only
    assert [u for u in asked if "/_sim/media/" in u] == [], "the browser asked TikTok's CDN"
    assert any(u.endswith(src) for u in asked)
