"""Issue 18, section 5: the security headers, route by route (the running app and Chromium:
tests/browser/test_security_headers.py)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from archive_app.settings import Settings
from archive_app.web.security_headers import inline_script_hashes, security_headers
from tests.production_settings import production_settings


def _directives(csp: str) -> dict[str, list[str]]:
    parts = (d.strip().split() for d in csp.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


async def _get(settings: Settings, path: str, build_dir: Path | None = None) -> httpx.Response:
    async def page(request: Request) -> Response:
        return PlainTextResponse("hi")

    async def framed(request: Request) -> Response:
        return PlainTextResponse("mine", headers={"X-Frame-Options": "SAMEORIGIN"})

    inner = Starlette(routes=[Route("/page", page), Route("/framed", framed)])
    app = security_headers(settings, build_dir=build_dir)(inner)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=settings.public_url) as client:
        return await client.get(path)


async def test_production_sends_every_header_with_hsts_our_own_images_and_tiktoks_player(
    tmp_path: Path,
):
    settings = production_settings(tmp_path)
    for path in ("/page", "/no/such/route"):  # a 404 of the app too
        response = await _get(settings, path)
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["strict-transport-security"] == "max-age=31536000"
        csp = _directives(response.headers["content-security-policy"])
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
        assert csp["img-src"] == ["'self'", "data:", "blob:"]  # covers are Archive's copies
        assert csp["frame-src"] == ["https://www.tiktok.com"]  # the embed player, nothing else
        assert csp["connect-src"] == [
            "'self'",
            "https://archive.brand.example",
            "wss://archive.brand.example",
        ]
        assert "'unsafe-inline'" not in csp["script-src"]


async def test_demo_over_http_has_no_hsts_and_allows_the_simulators_images(tmp_path: Path):
    settings = Settings(_env_file=None, mode="demo", data_dir=tmp_path)  # type: ignore[call-arg]
    response = await _get(settings, "/page")
    assert "strict-transport-security" not in response.headers
    csp = _directives(response.headers["content-security-policy"])
    assert csp["img-src"] == ["'self'", "data:", "blob:", "http://localhost:3000"]
    assert csp["frame-src"] == ["http://localhost:3000"]  # the simulator's stand-in player
    assert "ws://localhost:3000" in csp["connect-src"]


async def test_a_header_a_route_set_itself_is_kept(tmp_path: Path):
    response = await _get(production_settings(tmp_path), "/framed")
    assert response.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert "content-security-policy" in response.headers


async def test_the_built_pages_inline_scripts_are_allowed_by_hash_and_no_other(tmp_path: Path):
    build = tmp_path / "build"
    (build / "login").mkdir(parents=True)
    boot = b"window.__boot = 1;"
    (build / "login" / "index.html").write_bytes(
        b'<html><script src="/assets/a.js"></script><script>' + boot + b"</script></html>"
    )
    expected = "'sha256-" + base64.b64encode(hashlib.sha256(boot).digest()).decode() + "'"
    assert inline_script_hashes(build) == (expected,)

    response = await _get(production_settings(tmp_path), "/page", build_dir=build)
    script_src = _directives(response.headers["content-security-policy"])["script-src"]
    assert script_src == ["'self'", "'unsafe-eval'", expected]
