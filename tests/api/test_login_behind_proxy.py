"""The login throttle behind a reverse proxy and with a device cookie, attacked over HTTP.

Before: every request behind Caddy counted as Caddy's address, so six wrong passwords for a
victim from anywhere locked the victim out, and 100 failures refused every correct password.
"""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from archive_app.api.auth import SESSION_COOKIE, auth_routes
from archive_app.clock import FixedClock
from archive_app.db import session_scope
from archive_app.services import login_throttle
from archive_app.services.signup import sign_up
from archive_app.settings import Mode, Settings
from archive_app.web.device_cookie import DEVICE_COOKIE
from archive_app.web.flash import FLASH_COOKIE, read_flash
from tests.conftest import build_test_deps

ORIGIN = "https://archive.test"
CADDY = ("172.30.0.2", 41000)
VICTIM = "victim@brand.com"
RIGHT = "victim-pass-1"


@pytest.fixture
def app(engine, now, tmp_path):
    settings = Settings(
        _env_file=None,
        mode=Mode.test,
        data_dir=tmp_path,
        public_url=ORIGIN,
        trusted_proxies=["172.30.0.0/24"],
    )
    deps = build_test_deps(engine, settings, clock=FixedClock(now))
    with session_scope(engine) as s:
        sign_up(s, email=VICTIM, password=RIGHT, workspace_name="Brand", now=now)
    app = Starlette(routes=auth_routes(deps))
    app.state.flash_key = deps.cipher.signing_key
    return app


def _browser(app, peer=CADDY) -> httpx.AsyncClient:
    """A browser whose requests reach the app from ``peer`` (Caddy, unless said otherwise)."""
    transport = httpx.ASGITransport(app=app, client=peer)
    return httpx.AsyncClient(transport=transport, base_url=ORIGIN)


async def _log_in(browser, password, *, forwarded=None):
    headers = {"origin": ORIGIN}
    if forwarded is not None:
        headers["x-forwarded-for"] = forwarded
    return await browser.post(
        "/auth/login", data={"email": VICTIM, "password": password}, headers=headers
    )


def _signed_in(response) -> bool:
    return response.status_code == 303 and SESSION_COOKIE in response.cookies


def _error(app, response) -> str:
    value = response.cookies.get(FLASH_COOKIE)
    flash = read_flash(f"{FLASH_COOKIE}={value}", page="/login", key=app.state.flash_key)
    assert flash is not None
    return flash.error


async def test_behind_a_trusted_proxy_six_wrong_passwords_from_one_client_do_not_lock_out_another(
    app,
):
    async with _browser(app) as attacker, _browser(app) as victim:
        for _ in range(login_throttle.FREE_FAILURES + 1):
            await _log_in(attacker, "wrong-guess", forwarded="198.51.100.66")
        refused = await _log_in(attacker, RIGHT, forwarded="198.51.100.66")
        assert not _signed_in(refused)
        assert "Too many failed attempts" in _error(app, refused)
        assert _signed_in(await _log_in(victim, RIGHT, forwarded="203.0.113.7"))


async def test_a_hundred_failures_from_random_forwarded_addresses_never_refuse_the_victim(app):
    async with _browser(app) as attacker, _browser(app) as victim:
        for i in range(login_throttle.IP_MAX_FAILURES):
            # A forged left-most hop, and a real client address that changes (a botnet).
            forged = f"10.{i}.0.1, 198.18.{i // 250}.{i % 250 + 1}"
            await _log_in(attacker, f"guess-{i}", forwarded=forged)
        assert _signed_in(await _log_in(victim, RIGHT, forwarded="203.0.113.7"))


async def test_a_forged_forwarded_for_from_an_untrusted_peer_buys_no_fresh_tries(app):
    async with _browser(app, peer=("6.6.6.6", 5000)) as attacker:
        for i in range(login_throttle.FREE_FAILURES):
            await _log_in(attacker, "wrong-guess", forwarded=f"192.0.2.{i + 1}")
        refused = await _log_in(attacker, RIGHT, forwarded="192.0.2.99")
        assert "Too many failed attempts" in _error(app, refused)


async def _known(browser) -> httpx.AsyncClient:
    """The victim's browser logs in once (it keeps the device cookie), then logs out."""
    first = await _log_in(browser, RIGHT)
    assert _signed_in(first) and DEVICE_COOKIE in first.cookies
    browser.cookies.delete(SESSION_COOKIE)
    return browser


async def test_the_device_cookie_is_httponly_lax_secure_and_lasts_a_year(app):
    async with _browser(app, peer=("203.0.113.7", 5000)) as browser:
        response = await _log_in(browser, RIGHT)
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith(f"{DEVICE_COOKIE}=")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    assert "Max-Age=31536000" in cookie and "Path=/" in cookie


async def test_a_known_browser_logs_in_although_its_office_address_is_locked_for_the_victim(app):
    office = ("203.0.113.9", 5000)  # no proxy here: the same address for everyone
    async with _browser(app, peer=office) as attacker, _browser(app, peer=office) as victim:
        await _known(victim)
        for _ in range(login_throttle.FREE_FAILURES + 1):
            await _log_in(attacker, "wrong-guess")
        assert "Too many failed attempts" in _error(app, await _log_in(attacker, RIGHT))
        assert _signed_in(await _log_in(victim, RIGHT))


async def test_a_known_browser_logs_in_although_its_address_hit_the_per_address_ceiling(app):
    office = ("203.0.113.9", 5000)
    async with _browser(app, peer=office) as attacker, _browser(app, peer=office) as victim:
        await _known(victim)
        for i in range(login_throttle.IP_MAX_FAILURES):
            await attacker.post(
                "/auth/login",
                data={"email": f"guess{i}@brand.com", "password": "x"},
                headers={"origin": ORIGIN},
            )
        assert "Too many failed attempts" in _error(app, await _log_in(attacker, RIGHT))
        assert _signed_in(await _log_in(victim, RIGHT))


async def test_a_known_browsers_own_wrong_passwords_are_still_throttled(app):
    async with _browser(app, peer=("203.0.113.7", 5000)) as victim:
        await _known(victim)
        for _ in range(login_throttle.FREE_FAILURES):
            assert "don't match" in _error(app, await _log_in(victim, "my-typo"))
        refused = await _log_in(victim, RIGHT)
        assert not _signed_in(refused)
        assert _error(app, refused) == "Too many failed attempts. Try again in 1 minute."


async def test_a_forged_or_foreign_device_cookie_exempts_nothing(app, engine, now):
    office = ("203.0.113.9", 5000)
    with session_scope(engine) as s:
        sign_up(
            s, email="mallory@evil.example", password="mallory-pass", workspace_name="E", now=now
        )
    async with _browser(app, peer=office) as attacker:
        own = await attacker.post(
            "/auth/login",
            data={"email": "mallory@evil.example", "password": "mallory-pass"},
            headers={"origin": ORIGIN},
        )
        # Mallory's own device cookie names Mallory's account, not the victim's.
        assert DEVICE_COOKIE in own.cookies
        for _ in range(login_throttle.FREE_FAILURES):
            await _log_in(attacker, "wrong-guess")
        assert "Too many failed attempts" in _error(app, await _log_in(attacker, RIGHT))
        _, device_id, _ = own.cookies[DEVICE_COOKIE].split(".")
        attacker.cookies.set(DEVICE_COOKIE, f"1.{device_id}.{'0' * 64}")  # unsigned claim
        assert "Too many failed attempts" in _error(app, await _log_in(attacker, RIGHT))
