"""The simulated TikTok's media (issue 22, item 6; TIKTOK.md "Covers expire"):

- avatars: a real PNG per account (``/media/avatars/<username>.png``; TikTok's are JPEG or
  WebP, never SVG, and Archive keeps a copy as it does covers);
- covers: a real JPEG per video, drawn with Pillow (the caption's first words on a colour of
  its own), at a signed URL that expires like TikTok's CDN links: ``expires`` (unix seconds) and
  ``sig`` are checked on the shared clock, so ``POST /control/clock`` ages them too, and
  ``POST /control/media/expire`` makes every URL handed out so far stop working now;
- ``DELETE /control/videos/<id>``: the creator deletes a video (it leaves the mention lists,
  its cover, its oEmbed and its player say it is gone);
- ``/www/oembed?url=<video link>``: TikTok's public oEmbed, 200 for a video that exists and 400
  ("Something went wrong") for one that does not: how Archive checks a video is still there;
- ``/www/embed/v2/<id>``: a stand-in for TikTok's embed player that really plays (an animated
  canvas with the caption, a play/pause button and a running time), framable by Archive's pages
  only.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import textwrap
from datetime import datetime
from functools import lru_cache
from html import escape

from PIL import Image, ImageDraw, ImageFont
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from archive_app.simulator.state import SimError, SimState, VideoRec, to_json
from archive_app.simulator_links import COVER_LIFETIME, cover_signature, signed_cover_url
from archive_app.web.same_site import Endpoint, same_origin_only

_VIDEO_LINK = re.compile(r"/video/([A-Za-z0-9_-]{1,64})")
_USERNAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def cover_link(video: VideoRec, media: str, now: datetime) -> str:
    """The signed, expiring cover URL the mention list hands out at ``now``."""
    return signed_cover_url(video.item_id, media, now)


def _find(state: SimState, item_id: str) -> VideoRec | None:
    return next((v for v in state.videos if v.item_id == item_id), None)


@lru_cache(maxsize=256)
def cover_jpeg(item_id: str, caption: str) -> bytes:
    """A 270×480 JPEG: a colour of the video's own, and the caption's first words."""
    digest = hashlib.sha256(item_id.encode()).digest()
    background = (60 + digest[0] % 150, 60 + digest[1] % 150, 60 + digest[2] % 150)
    image = Image.new("RGB", (270, 480), background)
    draw = ImageDraw.Draw(image)
    words = " ".join(caption.split()[:6]) or item_id
    font = ImageFont.load_default(size=26)
    lines = textwrap.wrap(words, width=16)[:4]
    y = 200 - 16 * len(lines)
    for line in lines:
        draw.text((18, y), line, fill=(255, 255, 255), font=font)
        y += 34
    draw.polygon([(115, 330), (115, 390), (165, 360)], fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


@lru_cache(maxsize=256)
def avatar_png(username: str) -> bytes:
    """A 160×160 PNG: a colour of the account's own and its first letter."""
    digest = hashlib.sha256(username.encode()).digest()
    background = (40 + digest[0] % 170, 40 + digest[1] % 170, 40 + digest[2] % 170)
    image = Image.new("RGB", (160, 160), background)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=84)
    draw.text((80, 80), (username[:1] or "?").upper(), fill=(255, 255, 255), font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _player_page(video: VideoRec, frame_ancestors: str) -> HTMLResponse:
    caption = escape(" ".join(video.caption.split()[:12]) or video.item_id)
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TikTok video player (simulator)</title>
<style>body{{margin:0;background:#000;color:#fff;font-family:system-ui,sans-serif}}
main{{display:flex;flex-direction:column;align-items:center;gap:8px;padding:8px}}
canvas{{width:100%;max-width:270px;aspect-ratio:9/16;background:#111}}
button{{font-size:1rem;padding:.4rem 1rem}}</style></head>
<body><main><canvas id="screen" width="270" height="480"
 aria-label="Video by @{escape(video.creator_handle)}: {caption}" role="img"></canvas>
<p><button id="toggle" type="button">Pause</button>
<span id="time" data-frames="0" aria-live="off">0:00</span></p></main>
<script>
const c=document.getElementById("screen"),g=c.getContext("2d"),t=document.getElementById("time");
const b=document.getElementById("toggle");let playing=true,frames=0,start=performance.now(),at=0;
document.body.dataset.playing="true";
b.onclick=()=>{{playing=!playing;b.textContent=playing?"Pause":"Play";
document.body.dataset.playing=String(playing);if(playing)start=performance.now()-at;}};
function draw(now){{if(playing){{at=now-start;frames++;t.dataset.frames=String(frames);
const s=Math.floor(at/1000);t.textContent=Math.floor(s/60)+":"+String(s%60).padStart(2,"0");}}
g.fillStyle="hsl("+((at/20)%360)+",60%,35%)";g.fillRect(0,0,270,480);
g.fillStyle="#fff";g.beginPath();g.arc(135+80*Math.sin(at/500),240,30,0,7);g.fill();
g.font="18px sans-serif";g.fillText({_js_text(caption)},12,40);requestAnimationFrame(draw);}}
requestAnimationFrame(draw);
</script></body></html>"""
    headers = {
        # Archive's pages may frame the player (TikTok's embed is made to be framed).
        "content-security-policy": "default-src 'none'; script-src 'unsafe-inline'; "
        f"style-src 'unsafe-inline'; frame-ancestors {frame_ancestors}",
        "x-frame-options": "ALLOWALL",
    }
    return HTMLResponse(html, headers=headers)


def _js_text(text: str) -> str:
    """A JS string literal of already HTML-escaped text (no quotes or angle brackets left)."""
    return '"' + text[:40].replace("\\", "").replace('"', "") + '"'


def media_routes(state: SimState, *, frame_ancestors: list[str]) -> list[Route]:
    """Routes relative to the simulator's mount (``/_sim``)."""
    ancestors = " ".join(dict.fromkeys(frame_ancestors)) or "'self'"

    async def cover(request: Request) -> Response:
        item_id = request.path_params["item_id"]
        try:
            expires = int(request.query_params.get("expires", ""))
        except ValueError:
            return Response("Access Denied: expires is missing", status_code=403)
        sig = request.query_params.get("sig", "")
        now = state.now()
        with state.lock:
            video = _find(state, item_id)
        if not hmac.compare_digest(sig, cover_signature(item_id, expires)):
            return Response("Access Denied: bad signature", status_code=403)
        if now.timestamp() >= expires:
            return Response("Access Denied: this URL has expired", status_code=403)
        expired_at = video.covers_expired_at if video else None
        if expired_at is not None and expires <= (expired_at + COVER_LIFETIME).timestamp():
            return Response("Access Denied: this URL has expired", status_code=403)
        if video is None:
            return Response("Not Found", status_code=404)
        return Response(cover_jpeg(video.item_id, video.caption), media_type="image/jpeg")

    async def avatar(request: Request) -> Response:
        name = request.path_params["name"]
        if not _USERNAME.fullmatch(name):
            return Response("Not Found", status_code=404)
        return Response(avatar_png(name), media_type="image/png")

    async def oembed(request: Request) -> Response:
        match = _VIDEO_LINK.search(request.query_params.get("url", ""))
        with state.lock:
            video = _find(state, match[1]) if match else None
        if video is None:
            body = {"code": 400, "message": "Something went wrong", "data": {}}
            return JSONResponse(body, status_code=400)
        return JSONResponse(
            {
                "version": "1.0",
                "type": "video",
                "title": video.caption,
                "author_unique_id": video.creator_handle,
                "provider_name": "TikTok",
                "embed_product_id": video.item_id,
            }
        )

    async def player(request: Request) -> Response:
        with state.lock:
            video = _find(state, request.path_params["item_id"])
        if video is None:
            body = "<!doctype html><html lang='en'><title>Video unavailable</title>"
            body += "<body><p>This video is unavailable.</p></body></html>"
            return HTMLResponse(body, status_code=404)
        return _player_page(video, ancestors)

    return [
        Route("/media/covers/{item_id}.jpg", cover, methods=["GET"]),
        Route("/media/avatars/{name}.png", avatar, methods=["GET"]),
        Route("/www/oembed", oembed, methods=["GET"]),
        Route("/www/embed/v2/{item_id}", player, methods=["GET"]),
    ]


def expire_covers(state: SimState, *, item_id: str | None) -> list[VideoRec]:
    """Every cover URL handed out until now (of one video, or all) stops working."""
    with state.lock:
        videos = [v for v in state.videos if item_id is None or v.item_id == item_id]
        for video in videos:
            video.covers_expired_at = state.now()
        return videos


def delete_video(state: SimState, item_id: str) -> dict[str, object] | None:
    """The creator deletes the video: it is gone from TikTok (None if there was none)."""
    with state.lock:
        video = _find(state, item_id)
        if video is None:
            return None
        state.videos.remove(video)
        return {"deleted": to_json(video)}


def media_control_routes(state: SimState) -> list[Route]:
    """``POST /control/media/expire`` ``{"item_id"?}`` and ``DELETE /control/videos/<id>``."""

    async def expire(request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError as exc:
            raise SimError("body must be JSON") from exc
        raw = body.get("item_id") if isinstance(body, dict) else None
        item_id = str(raw) if raw else None
        videos = expire_covers(state, item_id=item_id)
        if item_id is not None and not videos:
            raise SimError(f"No video {item_id}", status=404)
        return JSONResponse({"expired": [v.item_id for v in videos], "at": to_json(state.now())})

    async def delete(request: Request) -> Response:
        item_id = request.path_params["item_id"]
        deleted = delete_video(state, item_id)
        if deleted is None:
            raise SimError(f"No video {item_id}", status=404)
        return JSONResponse(deleted)

    def handled(endpoint: Endpoint) -> Endpoint:
        async def run(request: Request) -> Response:
            try:
                return await endpoint(request)
            except SimError as exc:
                return JSONResponse({"error": exc.message}, status_code=exc.status)

        return same_origin_only(run)

    return [
        Route("/control/media/expire", handled(expire), methods=["POST"]),
        Route("/control/videos/{item_id}", handled(delete), methods=["DELETE"]),
    ]
