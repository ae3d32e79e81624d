"""Security headers on every HTTP response: pages, static files, our routes, ``/_event``'s
handshake, demo and production alike (``archive_app.py`` wraps the whole backend with it).

The Content-Security-Policy is what the app's own pages need, measured in Chromium:

- ``script-src 'self'`` plus the SHA-256 of each inline ``<script>`` of the built pages (React
  Router's boot scripts, read from the build once) and ``'unsafe-eval'``: Reflex 0.10.1 runs
  every toast, ``rx.call_script`` and redirect callback through ``eval`` in its ``state.js``.
  An injected inline script is still refused (no ``'unsafe-inline'`` for scripts).
- ``style-src 'self' 'unsafe-inline'``: Radix and the prerendered pages set style attributes,
  and our small server pages (refusals, /dev/mail) have an inline ``<style>``.
- ``img-src 'self' data: blob:``: covers and avatars are Archive's own copies
  (``/media/covers/…``, ``/media/avatars/…``, issue 22), so a browser never loads an image
  from TikTok; Radix shows the initials until an avatar is kept. Outside production the public
  URL's origin is listed too (by name: the page may be opened at 127.0.0.1); since the
  simulator's avatars are kept like TikTok's, no image of the app's pages needs it any more.
- ``frame-src``: exactly the origin of TikTok's embed player (``ARCHIVE_TIKTOK_EMBED_URL``;
  the simulator's stand-in outside production), for ``Play``.
- ``connect-src 'self'`` plus the public URL's origin and its ``ws(s)://`` twin: the page's
  socket (``/_event``) goes to the public URL.
- ``frame-ancestors 'none'`` with ``X-Frame-Options: DENY`` (no page of Archive is framed;
  /dev/mail's ``srcdoc`` iframe is the page's own document, not a framing of a response).

Also ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin`` (sign-up, invite and
reset tokens travel in URLs) and, when the public URL is https, HSTS for a year. A header a
route already set is left as it is.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from archive_app.settings import Settings

log = logging.getLogger(__name__)

HSTS = "max-age=31536000"
_INLINE_SCRIPT = re.compile(rb"<script(\s[^>]*)?>(.*?)</script>", re.S | re.I)


def inline_script_hashes(build_dir: Path | None) -> tuple[str, ...]:
    """``'sha256-…'`` of every inline script in the built pages under ``build_dir``."""
    if build_dir is None or not build_dir.is_dir():
        return ()
    found: set[str] = set()
    for page in sorted(build_dir.rglob("*.html")):
        for match in _INLINE_SCRIPT.finditer(page.read_bytes()):
            attributes = match.group(1) or b""
            if b"src=" in attributes.lower():
                continue
            digest = base64.b64encode(hashlib.sha256(match.group(2)).digest()).decode()
            found.add(f"'sha256-{digest}'")
    return tuple(sorted(found))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy(settings: Settings, script_hashes: tuple[str, ...] = ()) -> str:
    public = _origin(settings.public_url)
    socket = public.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    images = ["'self'", "data:", "blob:"]
    images += [] if settings.is_production else [public]
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-eval'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": images,
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'", public, socket],
        "frame-src": [_origin(settings.tiktok_embed_url) or "'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
    return "; ".join(
        f"{name} {' '.join(dict.fromkeys(v for v in values if v))}"
        for name, values in directives.items()
    )


class SecurityHeaders:
    """ASGI middleware adding ``headers()`` to every HTTP response that lacks them."""

    def __init__(self, app: ASGIApp, *, headers: Callable[[], list[tuple[bytes, bytes]]]) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers() if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def security_headers(
    settings: Settings, *, build_dir: Path | None = None
) -> Callable[[ASGIApp], ASGIApp]:
    """The transform ``rx.App(api_transformer=[..., security_headers(settings, ...)])`` applies.

    ``build_dir`` is where the built pages are (their inline scripts are hashed once, at the
    first response, since the frontend build may finish after this module is imported).
    """
    cached: list[list[tuple[bytes, bytes]]] = []

    def headers() -> list[tuple[bytes, bytes]]:
        if not cached:
            hashes = inline_script_hashes(build_dir)
            if build_dir is not None and not hashes:
                log.info("no built pages in %s: the CSP allows no inline script", build_dir)
            values = [
                ("content-security-policy", content_security_policy(settings, hashes)),
                ("x-frame-options", "DENY"),
                ("x-content-type-options", "nosniff"),
                ("referrer-policy", "same-origin"),
            ]
            if settings.public_url.startswith("https://"):
                values.append(("strict-transport-security", HSTS))
            cached.append([(k.encode(), v.encode()) for k, v in values])
        return cached[0]

    def wrap(app: ASGIApp) -> ASGIApp:
        return SecurityHeaders(app, headers=headers)

    return wrap
