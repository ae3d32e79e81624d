"""Issue 18, section 5: a video's link and thumbnail from TikTok are kept only when https (or,
outside production, from the simulator's own origin); anything else is dropped, logged once."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest

from archive_app.integrations.tiktok import Kind
from archive_app.integrations.tiktok.client import gateway_for
from archive_app.integrations.tiktok.mentions import media_origin, video_from_wire
from tests.integrations.tiktok_backends import live_settings, sim_settings

BAD = [
    "javascript:alert(document.cookie)",
    "http://cdn.evil.example/x.jpeg",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "//cdn.evil.example/x.jpeg",
    "http://[::1",  # not even a URL
]


def _video(n: int, *, link: str, thumb: str) -> dict[str, object]:
    return {
        "item_id": str(n),
        "create_time": 1735732800,
        "video_link": link,
        "caption": f"Mention {n}",
        "thumbnail_url": thumb,
        "creator_handle_name": f"maker.{n}",
    }


def _tiktok(videos: list[dict[str, object]]) -> httpx.MockTransport:
    """TikTok's Business mention list answering with ``videos``."""

    def handle(request: httpx.Request) -> httpx.Response:
        body = {"code": 0, "message": "OK", "data": {"videos": videos, "has_more": False}}
        return httpx.Response(200, content=json.dumps(body))

    return httpx.MockTransport(handle)


async def test_in_production_only_https_links_and_thumbnails_are_kept_and_drops_log_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    videos = [
        _video(
            0, link="https://www.tiktok.com/@m/video/0", thumb="https://p16.tiktokcdn.com/0.jpeg"
        )
    ]
    videos += [_video(i + 1, link=bad, thumb=bad) for i, bad in enumerate(BAD)]
    videos += [_video(9, link="http://cdn.evil.example/y", thumb="http://cdn.evil.example/z")]
    gateway = gateway_for(Kind.tiktok_v2, live_settings(tmp_path), transport=_tiktok(videos))

    with caplog.at_level(logging.WARNING, logger="archive_app.integrations.tiktok.mentions"):
        page = await gateway.mentions(access_token="t", open_id="o")

    kept = {v.item_id: (v.url, v.thumbnail_url) for v in page.videos}
    assert kept["0"] == ("https://www.tiktok.com/@m/video/0", "https://p16.tiktokcdn.com/0.jpeg")
    assert all(kept[str(i)] == ("", "") for i in [*range(1, len(BAD) + 1), 9])
    # One line per kind of drop, not one per video: the last video repeats the http host.
    evil = [r.getMessage() for r in caplog.records if "http://cdn.evil.example" in r.getMessage()]
    assert sorted(evil) == [
        "dropped a thumbnail from TikTok that is not https (http://cdn.evil.example)",
        "dropped a video link from TikTok that is not https (http://cdn.evil.example)",
    ]


def test_outside_production_the_simulators_own_http_media_is_kept_and_nothing_else(
    tmp_path: Path,
):
    settings = sim_settings(3000, tmp_path)
    origin = media_origin(settings)
    assert origin == "http://127.0.0.1:3000"
    sim = _video(1, link="https://www.tiktok.com/@m/video/1", thumb=f"{origin}/_sim/media/1.svg")
    other = _video(2, link="http://127.0.0.1:3001/x", thumb="http://127.0.0.1:3001/2.svg")

    kept = video_from_wire(sim, http_origin=origin)
    dropped = video_from_wire(other, http_origin=origin)

    assert kept is not None and kept.thumbnail_url == f"{origin}/_sim/media/1.svg"
    assert dropped is not None and (dropped.url, dropped.thumbnail_url) == ("", "")
    assert media_origin(live_settings(tmp_path)) == ""  # production: https only


def test_a_webhooks_video_with_a_javascript_link_keeps_no_link():
    video = video_from_wire(
        _video(3, link="javascript:alert(1)", thumb="https://p16.tiktokcdn.com/3.jpeg")
    )
    assert video is not None and video.url == "" and video.thumbnail_url.startswith("https://")
