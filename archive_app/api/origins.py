"""A page opened at an address Archive is not set up for says so, instead of spinning forever.

The page's websocket is refused (403) when its origin is not in ``ARCHIVE_CORS_ALLOWED_ORIGINS``
(by default the public URL, plus every loopback spelling outside production), and the browser
then shows an endless spinner. So page loads (GET/HEAD asking for HTML) from any other host get
a short page naming the address to open, or the setting to change. Hosts are compared without
the scheme: a proxy that terminates TLS and forgets ``X-Forwarded-Proto`` must not lock
everyone out. Behind a proxy that rewrites ``Host``, ``X-Forwarded-Host`` is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from archive_app.settings import Settings

DEFAULT_PORTS = {"http": 80, "https": 443}


def _normal_host(host: str, scheme: str) -> str:
    """``host[:port]`` lowercased, the scheme's default port dropped."""
    parts = urlsplit(f"{scheme}://{host.strip().lower()}")
    try:
        port = parts.port
    except ValueError:
        return host.strip().lower()
    name = parts.hostname or ""
    if ":" in name:  # IPv6 literal
        name = f"[{name}]"
    if port is None or port == DEFAULT_PORTS.get(scheme):
        return name
    return f"{name}:{port}"


def allowed_hosts(origins: Iterable[str]) -> frozenset[str]:
    hosts: set[str] = set()
    for origin in origins:
        parts = urlsplit(origin.strip())
        if parts.netloc:
            hosts.add(_normal_host(parts.netloc, parts.scheme or "http"))
    return frozenset(hosts)


def wrong_origin_page(*, opened: str, public_url: str) -> str:
    opened_html, public_html = escape(opened), escape(public_url)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Wrong address · Archive</title>
<style>body{{font-family:system-ui,sans-serif;max-width:560px;margin:80px auto;padding:0 20px;
color:#1c2024;line-height:1.5}}a{{color:#3e63dd}}code{{background:#f0f0f3;padding:1px 4px;
overflow-wrap:anywhere}}</style></head><body><main>
<h1>Archive is not set up for this address</h1>
<p role="alert">You opened Archive at <code>{opened_html}</code>, but it is set up for
<a href="{public_html}">{public_html}</a>.</p>
<p>Open <a href="{public_html}">{public_html}</a> instead.</p>
<p>If <code>{opened_html}</code> is the right address, whoever runs Archive sets
<code>ARCHIVE_PUBLIC_URL={opened_html}</code> (links in emails start with it), or adds
<code>{opened_html}</code> to <code>ARCHIVE_CORS_ALLOWED_ORIGINS</code>, and restarts it.</p>
</main></body></html>"""


class WrongOriginGuard:
    """ASGI middleware: page loads from a host not in ``allowed`` get ``wrong_origin_page``."""

    def __init__(self, app: ASGIApp, *, allowed: frozenset[str], public_url: str) -> None:
        self.app = app
        self.allowed = allowed
        self.public_url = public_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if "text/html" not in headers.get("accept", ""):
            await self.app(scope, receive, send)
            return
        host = headers.get("x-forwarded-host", "").split(",")[0].strip() or headers.get("host", "")
        scheme = headers.get("x-forwarded-proto", "").split(",")[0].strip() or scope["scheme"]
        if not host or _normal_host(host, scheme) in self.allowed:
            await self.app(scope, receive, send)
            return
        body = wrong_origin_page(opened=f"{scheme}://{host}", public_url=self.public_url).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 421,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )


def wrong_origin_guard(settings: Settings) -> Callable[[ASGIApp], ASGIApp]:
    """The transform ``rx.App(api_transformer=[..., wrong_origin_guard(settings)])`` applies."""
    allowed = allowed_hosts([settings.public_url, *settings.cors_allowed_origins])

    def wrap(app: ASGIApp) -> ASGIApp:
        return WrongOriginGuard(app, allowed=allowed, public_url=settings.public_url)

    return wrap
