"""A page opened at an address Archive is not set up for gets a page that says what to set."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from archive_app.api.origins import allowed_hosts, wrong_origin_guard
from archive_app.settings import Mode, Settings
from tests.production_settings import production_settings

HTML = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def _app(settings: Settings):
    async def page(_request):
        return PlainTextResponse("the app")

    inner = Starlette(routes=[Route("/{path:path}", page, methods=["GET", "HEAD", "POST"])])
    return wrong_origin_guard(settings)(inner)


async def _get(settings: Settings, url: str, headers: dict[str, str] | None = None):
    transport = httpx.ASGITransport(app=_app(settings))
    async with httpx.AsyncClient(transport=transport) as client:
        return await client.get(url, headers={**HTML, **(headers or {})})


@pytest.mark.parametrize(
    "url", ["http://localhost:3000/login", "http://127.0.0.1:3000/login", "http://[::1]:3000/"]
)
async def test_demo_pages_open_at_every_loopback_spelling(tmp_path, url):
    demo = Settings(_env_file=None, mode=Mode.demo, data_dir=tmp_path, port=3000)
    response = await _get(demo, url)
    assert response.status_code == 200 and response.text == "the app"


async def test_a_production_page_from_another_host_names_the_settings_to_change(tmp_path):
    settings = production_settings(tmp_path)
    response = await _get(settings, "http://10.1.2.3:3000/login")
    assert response.status_code == 421
    assert "Archive is not set up for this address" in response.text
    assert "http://10.1.2.3:3000" in response.text
    assert "ARCHIVE_PUBLIC_URL=http://10.1.2.3:3000" in response.text
    assert "ARCHIVE_CORS_ALLOWED_ORIGINS" in response.text
    assert 'href="https://archive.brand.example"' in response.text


async def test_the_public_host_passes_even_when_the_proxy_drops_the_scheme(tmp_path):
    settings = production_settings(tmp_path)
    # TLS ended at the proxy, which forwards plain http with the original Host
    response = await _get(settings, "http://archive.brand.example/login")
    assert response.status_code == 200


async def test_a_proxy_that_rewrites_host_is_judged_by_x_forwarded_host(tmp_path):
    settings = production_settings(tmp_path)
    ok = await _get(
        settings,
        "http://app:3000/login",
        {"x-forwarded-host": "archive.brand.example", "x-forwarded-proto": "https"},
    )
    assert ok.status_code == 200


async def test_an_extra_allowed_origin_passes(tmp_path):
    settings = production_settings(
        tmp_path,
        cors_allowed_origins=["https://archive.brand.example", "https://archive.brand.lan:8443"],
    )
    assert (await _get(settings, "https://archive.brand.lan:8443/")).status_code == 200
    assert (await _get(settings, "https://archive.brand.lan/")).status_code == 421


async def test_only_page_loads_are_judged_not_scripts_sockets_or_webhooks(tmp_path):
    settings = production_settings(tmp_path)
    transport = httpx.ASGITransport(app=_app(settings))
    async with httpx.AsyncClient(transport=transport) as client:
        script = await client.get("http://10.1.2.3/assets/app.js", headers={"accept": "*/*"})
        webhook = await client.post("http://10.1.2.3/webhooks/tiktok", headers=HTML)
    assert script.status_code == 200 and webhook.status_code == 200


async def test_the_host_is_escaped_in_the_page(tmp_path):
    settings = production_settings(tmp_path)
    response = await _get(settings, "http://evil.example/", {"x-forwarded-host": "<b>x</b>"})
    assert "<b>x</b>" not in response.text and "&lt;b&gt;x&lt;/b&gt;" in response.text


def test_default_ports_and_case_do_not_matter():
    assert allowed_hosts(["https://Archive.Example.com:443", "http://h:3000"]) == {
        "archive.example.com",
        "h:3000",
    }
