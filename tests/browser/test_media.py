"""Content you can see and keep (issue 22), in Chromium: a mention's cover is Archive's copy (the
browser never asks the simulated TikTok CDN for it), it still shows after TikTok's URL expired,
`Play` plays the video in a dialog, and a video deleted on TikTok says so on its card, with
its cover."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import httpx
from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, connect_v2, open_sources, sign_up

# A page load on this shared 2-core machine can take longer than expect's 5 s default.
LOAD = 30_000


def _run_job(url: str, name: str) -> dict:
    answer = httpx.post(f"{url}/dev/jobs/{name}", timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _cover_loaded(card) -> bool:
    return card.get_by_test_id("cover").evaluate(
        "img => img.complete && img.naturalWidth === 270 && img.naturalHeight === 480"
    )


def test_a_mentions_cover_is_archives_copy_play_plays_and_a_deleted_video_keeps_its_cover(
    new_page, sim, inbox, app_server
):
    sim.account("mediabrand")
    page = new_page()
    asked: list[str] = []
    page.context.on("request", lambda request: asked.append(request.url))
    sign_up(page, inbox, "owner@mediabrand.com", "Media Brand")
    open_sources(page)
    connect_v2(page, "mediabrand")

    caption = "Blender smoothie morning with @mediabrand"
    answer = sim.post(
        "/mentions",
        {"brand_username": "mediabrand", "creator_handle": "maya.blends", "caption": caption},
    )
    item_id = answer["item_id"]
    delivered = json.loads(json.loads(answer["webhooks"][0]["body"])["content"])
    tiktok_cover = delivered["thumbnail_url"]
    assert httpx.get(tiktok_cover).status_code == 200  # TikTok's signed URL works, for now
    _run_job(app_server.url, "fetch_covers")  # the dispatcher asked for it too; now for sure

    page.goto("/feed")
    card = page.get_by_test_id("mention-card").filter(has_text="@maya.blends")
    expect(card.get_by_test_id("cover")).to_have_attribute(
        "src", re.compile(r"^/media/covers/\d+-[0-9a-f]{16}\.jpg$"), timeout=LOAD
    )
    page.wait_for_function("document.querySelector('[data-testid=cover]')?.naturalWidth === 270")
    assert _cover_loaded(card)

    # TikTok's URL expires (as signed CDN links do): Archive's copy still shows.
    sim.post("/media/expire")
    assert httpx.get(tiktok_cover).status_code == 403
    page.reload()
    expect(card.get_by_test_id("cover")).to_be_visible(timeout=LOAD)
    page.wait_for_function("document.querySelector('[data-testid=cover]')?.naturalWidth === 270")

    # Play: TikTok's player (the simulator's stand-in) in a dialog, really playing.
    play = card.get_by_role("button", name="Play the video by @maya.blends")
    play.click()
    dialog = page.get_by_role("dialog", name="Video by @maya.blends")
    expect(dialog).to_be_visible()
    player = dialog.locator("iframe[title='TikTok player: video by @maya.blends']")
    expect(player).to_have_attribute("src", re.compile(rf"/_sim/www/embed/v2/{item_id}$"))
    frame = player.content_frame
    expect(frame.get_by_role("button", name="Pause")).to_be_visible()
    page.wait_for_timeout(1200)
    frames = int(frame.locator("#time").get_attribute("data-frames") or 0)
    assert frames > 10, f"the player drew {frames} frames in 1.2 s"
    assert_accessible(page)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(play).to_be_focused()  # back to the card's Play button

    # On a phone the dialog fits: no sideways scroll.
    page.set_viewport_size({"width": 360, "height": 740})
    play.click()
    expect(dialog).to_be_visible()
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    page.set_viewport_size({"width": 1280, "height": 800})

    # The creator deletes the video on TikTok; the next check finds it gone.
    deleted = sim.http.delete(f"/videos/{item_id}")
    assert deleted.status_code == 200, deleted.text
    assert _run_job(app_server.url, "check_videos")["result"]["removed"] == 1
    assert re.search(r"/feed/?$", page.url), page.url
    page.reload()
    today = datetime.now(UTC).strftime("%b %-d, %Y")
    expect(card.get_by_test_id("removed")).to_have_text(
        f"Removed from TikTok on {today}", timeout=LOAD
    )
    page.wait_for_function("document.querySelector('[data-testid=cover]')?.naturalWidth === 270")
    expect(card.get_by_role("button", name=re.compile("^Play"))).to_have_count(0)
    assert_accessible(page)

    # The filters can hide removed videos (or show only them).
    page.get_by_label("Videos removed from TikTok").select_option("hide")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"removed=hide"))
    expect(page.get_by_test_id("mention-card")).to_have_count(0, timeout=LOAD)
    page.get_by_label("Videos removed from TikTok").select_option("only")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"removed=only"))
    expect(page.get_by_test_id("mention-card")).to_have_count(1, timeout=LOAD)

    tiktok_images = [u for u in asked if "/_sim/media/covers/" in u]
    assert tiktok_images == [], "the browser asked TikTok's CDN for a cover"
    assert any("/media/covers/" in u for u in asked)
