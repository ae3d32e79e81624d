"""POST /auth/forgot and POST /auth/reset/<token> as a browser (or an attacker) meets them."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import pytest
from sqlmodel import select
from starlette.applications import Starlette

from archive_app import deps as deps_module
from archive_app.api.auth import SESSION_COOKIE, auth_routes
from archive_app.clock import FixedClock
from archive_app.db import session_scope
from archive_app.models.auth import AuthSession
from archive_app.models.notifications import OutboxEmail
from archive_app.services import auth
from archive_app.services.signup import sign_up
from archive_app.settings import Mode, Settings
from archive_app.web.flash import FLASH_COOKIE, read_flash
from tests.conftest import build_test_deps

ORIGIN = "http://archive.test"
LINK = re.compile(re.escape(ORIGIN) + r"/reset/([A-Za-z0-9_-]+)")


@pytest.fixture
def clock(now):
    """A clock the test moves forward (the link's hour)."""
    return FixedClock(now)


@pytest.fixture
async def client(engine, now, tmp_path, clock):
    settings = Settings(_env_file=None, mode=Mode.test, data_dir=tmp_path, public_url=ORIGIN)
    # Installed as archive_app.py does: the reset tells the ended sessions' open tabs.
    deps = deps_module.install(build_test_deps(engine, settings, clock=clock))
    app = Starlette(routes=auth_routes(deps))
    with session_scope(engine) as s:
        owner = sign_up(
            s, email="owner@brand.com", password="old-pass-1", workspace_name="Brand", now=now
        )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=ORIGIN, headers={"origin": ORIGIN}
    ) as c:
        c.flash_key = deps.cipher.signing_key
        c.owner_session = owner.session_token
        yield c
    deps_module.uninstall()


def _reset_mails(engine) -> list[OutboxEmail]:
    with session_scope(engine) as s:
        rows = s.exec(select(OutboxEmail)).all()
        return [r for r in rows if r.dedupe_key.startswith("reset:")]


def _link_token(engine) -> str:
    match = LINK.search(_reset_mails(engine)[-1].text_body)
    assert match
    return match.group(1)


def _flash_error(client, response) -> str:
    path = urlsplit(response.headers["location"]).path
    value = response.cookies.get(FLASH_COOKIE)
    flash = read_flash(f"{FLASH_COOKIE}={value}", page=path, key=client.flash_key)
    assert flash is not None
    return flash.error


async def _forgot(client, email: str) -> httpx.Response:
    return await client.post("/auth/forgot", data={"email": email})


async def test_forgot_answers_a_known_and_an_unknown_address_identically(client, engine):
    known = await _forgot(client, "owner@brand.com")
    unknown = await _forgot(client, "stranger@brand.com")
    for response in (known, unknown):
        assert response.status_code == 303
        assert response.headers["location"] == "/forgot?sent=1"
        assert "set-cookie" not in response.headers
    assert known.content == unknown.content
    assert sorted(known.headers.keys()) == sorted(unknown.headers.keys())
    # Only the owner's mailbox learns anything: one mail, to the known address.
    assert [m.to_address for m in _reset_mails(engine)] == ["owner@brand.com"]


async def test_forgot_never_puts_the_link_in_the_answer(client, engine):
    response = await _forgot(client, "owner@brand.com")
    token = _link_token(engine)
    assert token not in response.text and token not in str(response.headers)


async def test_forgot_with_text_that_is_not_an_address_says_so(client, engine):
    response = await _forgot(client, "owner")
    assert response.headers["location"] == "/forgot"
    assert "not a valid email address" in _flash_error(client, response)
    assert _reset_mails(engine) == []


async def test_forgot_posted_from_another_site_is_refused(client, engine):
    response = await client.post(
        "/auth/forgot",
        data={"email": "owner@brand.com"},
        headers={"origin": "https://evil.example"},
    )
    assert response.status_code == 403 and _reset_mails(engine) == []


async def test_forgot_mails_one_address_at_most_three_times_an_hour(client, engine):
    for _ in range(6):
        response = await _forgot(client, "owner@brand.com")
        assert response.headers["location"] == "/forgot?sent=1"
    assert len(_reset_mails(engine)) == 3


async def test_the_link_sets_a_new_password_signs_in_and_logs_out_every_other_browser(
    client, engine, now
):
    await _forgot(client, "owner@brand.com")
    token = _link_token(engine)
    response = await client.post(
        f"/auth/reset/{token}", data={"password": "new-pass-12", "password_again": "new-pass-12"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/forgot?done=1"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie
    new_session = response.cookies.get(SESSION_COOKIE)
    with session_scope(engine) as s:
        # The browser that was logged in before the reset is logged out.
        assert auth.current_viewer(s, token=client.owner_session, now=now) is None
        viewer = auth.current_viewer(s, token=new_session, now=now)
        assert viewer is not None and viewer.email == "owner@brand.com"
        assert len(s.exec(select(AuthSession)).all()) == 1
    old = await client.post(
        "/auth/login", data={"email": "owner@brand.com", "password": "old-pass-1"}
    )
    assert old.headers["location"] == "/login"
    new = await client.post(
        "/auth/login", data={"email": "owner@brand.com", "password": "new-pass-12"}
    )
    assert new.headers["location"] == "/feed"


async def test_a_used_link_cannot_set_the_password_again(client, engine):
    await _forgot(client, "owner@brand.com")
    token = _link_token(engine)
    form = {"password": "new-pass-12", "password_again": "new-pass-12"}
    await client.post(f"/auth/reset/{token}", data=form)
    client.cookies.clear()
    replay = await client.post(
        f"/auth/reset/{token}", data={"password": "evil-pass-12", "password_again": "evil-pass-12"}
    )
    assert replay.headers["location"] == f"/reset/{token}"
    assert SESSION_COOKIE not in replay.cookies
    assert "Ask for a new link" in _flash_error(client, replay)
    with session_scope(engine) as s:
        user = auth.find_user(s, email="owner@brand.com")
        assert user is not None and auth.verify_password(user.password_hash, "new-pass-12")


async def test_a_link_older_than_an_hour_is_refused(client, engine, clock):
    await _forgot(client, "owner@brand.com")
    token = _link_token(engine)
    clock.advance(timedelta(hours=1, seconds=1))
    response = await client.post(
        f"/auth/reset/{token}", data={"password": "new-pass-12", "password_again": "new-pass-12"}
    )
    assert SESSION_COOKIE not in response.cookies
    assert "for 1 hour" in _flash_error(client, response)


async def test_a_guessed_token_is_refused(client, engine):
    await _forgot(client, "owner@brand.com")
    response = await client.post(
        "/auth/reset/guessed-token",
        data={"password": "evil-pass-12", "password_again": "evil-pass-12"},
    )
    assert SESSION_COOKIE not in response.cookies
    with session_scope(engine) as s:
        user = auth.find_user(s, email="owner@brand.com")
        assert user is not None and auth.verify_password(user.password_hash, "old-pass-1")


async def test_two_different_passwords_are_refused_and_keep_the_link(client, engine):
    await _forgot(client, "owner@brand.com")
    token = _link_token(engine)
    response = await client.post(
        f"/auth/reset/{token}", data={"password": "new-pass-12", "password_again": "new-pass-13"}
    )
    assert "two passwords differ" in _flash_error(client, response)
    retry = await client.post(
        f"/auth/reset/{token}", data={"password": "new-pass-12", "password_again": "new-pass-12"}
    )
    assert retry.headers["location"] == "/forgot?done=1"


async def test_reset_posted_from_another_site_is_refused(client, engine):
    await _forgot(client, "owner@brand.com")
    token = _link_token(engine)
    response = await client.post(
        f"/auth/reset/{token}",
        data={"password": "evil-pass-12", "password_again": "evil-pass-12"},
        headers={"origin": "https://evil.example"},
    )
    assert response.status_code == 403 and SESSION_COOKIE not in response.cookies
