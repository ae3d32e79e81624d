"""Fetching one cover image from TikTok's CDN, and judging it by its bytes.

TikTok's cover URLs are signed and expire (TIKTOK.md), so a cover is fetched once, soon after
the mention arrives. What comes back is judged on the bytes, never on the ``Content-Type``
header: Pillow must recognise a JPEG, PNG, WebP or GIF of sane dimensions, and the body may
not pass ``max_bytes`` (counted while it streams in, so a lying ``Content-Length`` or an
endless body is cut off). A 429, a 5xx or a network error is retried with backoff; a 403 or
404 (an expired or withdrawn URL) is not: a later sighting of the video brings a fresh URL.
"""

from __future__ import annotations

import asyncio
import io
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urljoin

import httpx
from PIL import Image

from archive_app.services.media.store import MediaStore

# Format Pillow reports -> (content type, file extension).
KEPT_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
}
J = TypeVar("J")  # a job of in_batches (a cover's or an avatar's)
MAX_SIDE = 4096  # a cover is a few hundred pixels wide; more is not a cover (or a pixel bomb)


@dataclass(frozen=True)
class FetchLimits:
    max_bytes: int = 5 * 1024 * 1024
    timeout_seconds: float = 10.0
    retries: int = 2
    backoff_seconds: float = 0.5
    concurrency: int = 4


@dataclass(frozen=True)
class CoverImage:
    body: bytes
    content_type: str
    extension: str


class CoverRefused(Exception):
    """Not fetched: the reason in words (kept on the row, shown to nobody but the log)."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


def judge(body: bytes) -> CoverImage:
    """The image ``body`` is, by its bytes; refused if it is not one Archive keeps."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(body)) as image:
                kind, (width, height) = image.format or "", image.size
                image.verify()
    except Exception:  # Pillow raises many types for bytes that are not an image
        raise CoverRefused("not an image", transient=False) from None
    if kind not in KEPT_FORMATS:
        raise CoverRefused(f"a {kind or 'unknown'} image, not one Archive keeps", transient=False)
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise CoverRefused(f"an image of {width}×{height} pixels", transient=False)
    content_type, extension = KEPT_FORMATS[kind]
    return CoverImage(body, content_type, extension)


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise CoverRefused(f"larger than {max_bytes} bytes", transient=False)
    body = bytearray()
    async for block in response.aiter_bytes():
        body += block
        if len(body) > max_bytes:
            raise CoverRefused(f"larger than {max_bytes} bytes", transient=False)
    return bytes(body)


async def fetch_cover(
    client: httpx.AsyncClient,
    url: str,
    *,
    base_url: str = "",
    limits: FetchLimits = FetchLimits(),
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> CoverImage:
    """The cover at ``url`` (a relative URL only outside production: ``base_url`` given)."""
    if not url:
        raise CoverRefused("TikTok gave no cover URL", transient=False)
    if url.startswith("/") and base_url:
        url = urljoin(base_url + "/", url.lstrip("/"))
    if not url.startswith(("https://", "http://")):
        raise CoverRefused("the cover URL is not a web address", transient=False)
    last = ""
    for attempt in range(limits.retries + 1):
        if attempt:
            await sleep(limits.backoff_seconds * 2 ** (attempt - 1))
        try:
            async with client.stream("GET", url, timeout=limits.timeout_seconds) as response:
                status = response.status_code
                if status == 200:
                    return judge(await _read_capped(response, limits.max_bytes))
                last = f"TikTok answered {status}"
                if status != 429 and status < 500:
                    raise CoverRefused(last, transient=True)  # an expired URL: try a fresh one
        except httpx.HTTPError as exc:
            last = f"no answer ({type(exc).__name__})"
    raise CoverRefused(last, transient=True)


async def fetch_and_store(
    client: httpx.AsyncClient,
    store: MediaStore,
    url: str,
    *,
    key_of: Callable[[CoverImage], str],
    base_url: str = "",
    limits: FetchLimits = FetchLimits(),
) -> tuple[CoverImage, str]:
    """Fetch one image and put it in the media store under ``key_of(image)``: the image and its
    key. A store that cannot write is refused like a fetch (retried later)."""
    image = await fetch_cover(client, url, base_url=base_url, limits=limits)
    key = key_of(image)
    try:
        await asyncio.to_thread(store.put, key, image.body, content_type=image.content_type)
    except OSError as exc:
        reason = f"the media store refused it ({type(exc).__name__})"
        raise CoverRefused(reason, transient=True) from exc
    return image, key


async def in_batches(
    next_batch: Callable[[int], Awaitable[Sequence[J]]],
    keep: Callable[[httpx.AsyncClient, J], Awaitable[None]],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    limits: FetchLimits = FetchLimits(),
    batch: int,
    max_batches: int,
) -> None:
    """``keep`` each job of ``next_batch(batch)``, ``limits.concurrency`` at a time on one HTTP
    client, batch after batch until one comes back short (covers and avatars alike)."""
    gate = asyncio.Semaphore(limits.concurrency)
    async with httpx.AsyncClient(transport=transport, follow_redirects=True) as client:

        async def gated(job: J) -> None:
            async with gate:
                await keep(client, job)

        for _ in range(max_batches):
            jobs = await next_batch(batch)
            if not jobs:
                break
            await asyncio.gather(*(gated(job) for job in jobs))
            if len(jobs) < batch:
                break
