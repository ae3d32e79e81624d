"""The simulator's media (issue 22, item 6): real cover images at URLs that expire like TikTok's,
deleting a video, the oEmbed check and the stand-in player."""

from __future__ import annotations

import io
from datetime import timedelta

import httpx
from PIL import Image

from archive_app.integrations.tiktok import Kind
from tests.simulator import test_simulator_control
from tests.simulator.test_simulator_control import World

world = test_simulator_control.world  # the same fixture: the app's webhook route + simulator


async def _mention(world: World, caption: str) -> tuple[str, str]:
    """A new mention, read back through the v.2 list: (item id, its cover URL)."""
    tokens = await world.connect(Kind.tiktok_v2, "brandco")
    body = {"brand_username": "brandco", "creator_handle": "maya", "caption": caption}
    item_id = (await world.post("/mentions", body)).json()["item_id"]
    page = await world.gateway(Kind.tiktok_v2).mentions(
        access_token=tokens.access_token, open_id=tokens.open_id
    )
    [video] = [v for v in page.videos if v.item_id == item_id]
    return item_id, video.thumbnail_url


async def _list_again(world: World) -> dict[str, str]:
    tokens = await world.connect(Kind.tiktok_v2, "brandco")
    page = await world.gateway(Kind.tiktok_v2).mentions(
        access_token=tokens.access_token, open_id=tokens.open_id
    )
    return {v.item_id: v.thumbnail_url for v in page.videos}


async def test_a_cover_is_a_real_jpeg_of_its_own_per_video(world: World) -> None:
    first_id, first_url = await _mention(world, "Unboxing the new blender today")
    _, second_url = await _mention(world, "Morning routine with @brandco")
    first = await world.control.get(first_url)
    second = await world.control.get(second_url)
    assert first.status_code == 200 and first.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(first.content))
    assert (image.format, image.size) == ("JPEG", (270, 480))
    assert first.content != second.content
    assert f"/_sim/media/covers/{first_id}.jpg?expires=" in first_url


async def test_a_cover_url_stops_working_when_it_expires_on_the_shared_clock(world: World) -> None:
    _, url = await _mention(world, "Clock test")
    world.clock.advance(timedelta(hours=5, minutes=59))
    assert (await world.control.get(url)).status_code == 200
    world.clock.advance(timedelta(minutes=2))
    expired = await world.control.get(url)
    assert expired.status_code == 403 and "expired" in expired.text


async def test_expire_now_kills_every_url_handed_out_and_a_fresh_listing_works(
    world: World,
) -> None:
    item_id, url = await _mention(world, "Expire test")
    answer = await world.post("/media/expire")
    assert answer.status_code == 200 and item_id in answer.json()["expired"]
    assert (await world.control.get(url)).status_code == 403
    world.clock.advance(timedelta(seconds=1))
    fresh = (await _list_again(world))[item_id]
    assert fresh != url
    assert (await world.control.get(fresh)).status_code == 200


async def test_a_tampered_expiry_is_refused(world: World) -> None:
    _, url = await _mention(world, "Tamper test")
    forged = httpx.URL(url).copy_set_param("expires", "99999999999")
    answer = await world.control.get(str(forged))
    assert answer.status_code == 403 and "signature" in answer.text


async def test_deleting_a_video_removes_it_everywhere_tiktok_shows_it(world: World) -> None:
    item_id, url = await _mention(world, "Soon gone")
    link = f"https://www.tiktok.com/@maya/video/{item_id}"
    before = await world.control.get("/_sim/www/oembed", params={"url": link})
    assert before.status_code == 200 and before.json()["embed_product_id"] == item_id

    deleted = await world.control.delete(f"/_sim/control/videos/{item_id}")
    assert deleted.status_code == 200 and deleted.json()["deleted"]["item_id"] == item_id

    assert item_id not in await _list_again(world)
    gone = await world.control.get("/_sim/www/oembed", params={"url": link})
    assert gone.status_code == 400 and gone.json()["message"] == "Something went wrong"
    assert (await world.control.get(url)).status_code == 404
    player = await world.control.get(f"/_sim/www/embed/v2/{item_id}")
    assert player.status_code == 404 and "This video is unavailable." in player.text
    again = await world.control.delete(f"/_sim/control/videos/{item_id}")
    assert again.status_code == 404 and again.json()["error"] == f"No video {item_id}"


async def test_the_player_plays_the_video_and_only_archives_pages_may_frame_it(
    world: World,
) -> None:
    item_id, _ = await _mention(world, "Play me please")
    player = await world.control.get(f"/_sim/www/embed/v2/{item_id}")
    assert player.status_code == 200
    assert "<canvas" in player.text and "requestAnimationFrame" in player.text
    policy = player.headers["content-security-policy"]
    assert "frame-ancestors http://app.test" in policy
    assert "*" not in policy
