"""The log-in, sign-up and log-out routes as a browser meets them: form posts and redirects."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
import pytest
from sqlmodel import select
from starlette.applications import Starlette

from archive_app.api.auth import SESSION_COOKIE, SIGNUP_COOKIE, auth_routes
from archive_app.clock import FixedClock
from archive_app.db import session_scope
from archive_app.models.notifications import OutboxEmail
from archive_app.services import auth
from archive_app.services.signup import sign_up
from archive_app.settings import Mode, Settings
from archive_app.web.flash import FLASH_COOKIE, Flash, read_flash
from tests.conftest import build_test_deps
from tests.production_settings import production_settings

ORIGIN = "http://archive.test"


@pytest.fixture
async def client(engine, now, tmp_path):
    settings = Settings(_env_file=None, mode=Mode.test, data_dir=tmp_path, public_url=ORIGIN)
    deps = build_test_deps(engine, settings, clock=FixedClock(now))
    app = Starlette(routes=auth_routes(deps))
    with session_scope(engine) as s:
        sign_up(s, email="owner@brand.com", password="owner-pass", workspace_name="Brand", now=now)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as c:
        c.flash_key = deps.cipher.signing_key  # what the pages read the flash with
        yield c


def _flash(client, response) -> Flash:
    """The one-time message our route set for the page it redirects to (never in the URL)."""
    location = urlsplit(response.headers["location"])
    assert location.query == "", "no message may travel in the URL"
    value = response.cookies.get(FLASH_COOKIE)
    flash = read_flash(f"{FLASH_COOKIE}={value}", page=location.path, key=client.flash_key)
    assert flash is not None
    return flash


def _error(client, response) -> str:
    return _flash(client, response).error


async def test_login_sets_an_httponly_lax_cookie_and_goes_to_the_feed(client):
    response = await client.post(
        "/auth/login",
        data={"email": "owner@brand.com", "password": "owner-pass"},
        headers={"origin": ORIGIN},
    )
    assert response.status_code == 303 and response.headers["location"] == "/feed"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie


async def test_login_goes_back_to_where_the_visitor_was_going_but_never_off_site(client):
    ok = {"email": "owner@brand.com", "password": "owner-pass"}
    back = await client.post("/auth/login", data={**ok, "next": "/settings/team"})
    assert back.headers["location"] == "/settings/team"
    for evil in ("//evil.example", "https://evil.example", "/\\evil.example"):
        response = await client.post("/auth/login", data={**ok, "next": evil})
        assert response.headers["location"] == "/feed"


async def test_a_wrong_password_returns_to_the_form_with_the_message_and_no_cookie(client):
    response = await client.post(
        "/auth/login", data={"email": "owner@brand.com", "password": "nope"}
    )
    assert response.status_code == 303 and SESSION_COOKIE not in response.cookies
    assert response.headers["location"] == "/login"
    assert _error(client, response) == "That email and password don't match an account."


async def test_a_form_posted_from_another_site_is_refused(client):
    response = await client.post(
        "/auth/login",
        data={"email": "owner@brand.com", "password": "owner-pass"},
        headers={"origin": "https://evil.example"},
    )
    assert response.status_code == 403 and "set-cookie" not in response.headers


@pytest.mark.parametrize("path", ["/auth/login", "/auth/signup", "/auth/logout"])
@pytest.mark.parametrize("fetch_site", ["cross-site", "same-site"])
async def test_a_post_without_origin_is_refused_when_the_browser_says_it_came_from_elsewhere(
    client, path, fetch_site
):
    response = await client.post(
        path,
        data={"email": "owner@brand.com", "password": "owner-pass", "workspace": "X"},
        headers={"sec-fetch-site": fetch_site},
    )
    assert response.status_code == 403 and "set-cookie" not in response.headers
    assert response.text == "This form was sent from another site."


@pytest.mark.parametrize("fetch_site", ["same-origin", "none", None])
async def test_a_post_without_origin_passes_from_our_own_page_or_from_no_browser(
    client, fetch_site
):
    headers = {"sec-fetch-site": fetch_site} if fetch_site else {}
    response = await client.post(
        "/auth/login",
        data={"email": "owner@brand.com", "password": "owner-pass"},
        headers=headers,
    )
    assert response.status_code == 303 and response.cookies.get(SESSION_COOKIE)


async def test_an_opaque_null_origin_is_refused(client):
    response = await client.post(
        "/auth/login",
        data={"email": "owner@brand.com", "password": "owner-pass"},
        headers={"origin": "null", "sec-fetch-site": "same-origin"},
    )
    assert response.status_code == 403


async def test_sign_up_answers_the_same_for_a_new_and_a_known_address(client):
    answers = []
    for email in ("OWNER@brand.com", "new@brand.com"):
        response = await client.post(
            "/auth/signup",
            data={"email": email, "password": "another-pass", "workspace": "Second"},
            headers={"origin": ORIGIN},
        )
        cookie = response.headers["set-cookie"]
        answers.append(
            (
                response.status_code,
                response.headers["location"],
                cookie.split("=", 1)[0],
                sorted(part.strip() for part in cookie.split(";")[1:]),
            )
        )
        assert SESSION_COOKIE not in cookie  # nobody is signed in by the form itself
    assert answers[0] == answers[1]
    assert answers[0][:3] == (303, "/signup?sent=1", SIGNUP_COOKIE)
    assert "HttpOnly" in answers[0][3] and "Path=/auth/signup" in answers[0][3]


async def test_a_bad_sign_up_form_keeps_what_was_typed_and_says_why(client):
    response = await client.post(
        "/auth/signup",
        data={"email": "new@brand.com", "password": "short", "workspace": "Second"},
    )
    assert "at least 8 characters" in _error(client, response)
    fields = _flash(client, response).fields
    assert fields["email"] == "new@brand.com" and fields["workspace"] == "Second"


def _signup_link(engine) -> str:
    with session_scope(engine) as s:
        mail = s.exec(select(OutboxEmail).where(OutboxEmail.to_address == "new@brand.com")).one()
    return urlsplit(re.search(r"https?://\S+/auth/signup/confirm/\S+", mail.text_body)[0]).path


async def test_the_emailed_link_signs_in_only_the_browser_that_signed_up(client, engine):
    await client.post(
        "/auth/signup",
        data={"email": "new@brand.com", "password": "new-pass-1", "workspace": "New Brand"},
    )
    link = _signup_link(engine)
    browser_token = client.cookies.get(SIGNUP_COOKIE)
    client.cookies.clear()  # another browser: the link does nothing there
    elsewhere = await client.get(link)
    assert elsewhere.status_code == 303 and SESSION_COOKIE not in elsewhere.cookies
    assert "browser where you filled in" in _error(client, elsewhere)
    client.cookies.set(SIGNUP_COOKIE, browser_token, path="/auth/signup")
    response = await client.get(link)
    assert response.status_code == 303 and response.headers["location"] == "/feed"
    assert response.cookies.get(SESSION_COOKIE)


@pytest.mark.parametrize(
    ("public_url", "secure"), [("https://archive.brand.example", True), (ORIGIN, False)]
)
async def test_the_session_cookie_is_secure_exactly_when_the_public_url_is_https(
    engine, now, tmp_path, public_url, secure
):
    settings = Settings(_env_file=None, mode=Mode.test, data_dir=tmp_path, public_url=public_url)
    assert settings.secure_cookies is secure
    deps = build_test_deps(engine, settings, clock=FixedClock(now))
    app = Starlette(routes=auth_routes(deps))
    with session_scope(engine) as s:
        sign_up(s, email="owner@brand.com", password="owner-pass", workspace_name="B", now=now)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=public_url) as c:
        login = await c.post(
            "/auth/login", data={"email": "owner@brand.com", "password": "owner-pass"}
        )
        signup = await c.post(
            "/auth/signup", data={"email": "n@brand.com", "password": "n-pass-12", "workspace": "N"}
        )
        c.cookies.set(SESSION_COOKIE, login.cookies[SESSION_COOKIE])
        logout = await c.post("/auth/logout")
    for response in (login, signup, logout):
        attributes = [a.strip().lower() for a in response.headers["set-cookie"].split(";")]
        assert ("secure" in attributes) is secure, response.headers["set-cookie"]


async def test_production_cookies_are_secure(engine, now, tmp_path):
    settings = production_settings(tmp_path)
    deps = build_test_deps(engine, settings, clock=FixedClock(now))
    app = Starlette(routes=auth_routes(deps))
    with session_scope(engine) as s:
        sign_up(s, email="owner@brand.com", password="owner-pass", workspace_name="B", now=now)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=settings.public_url) as c:
        login = await c.post(
            "/auth/login", data={"email": "owner@brand.com", "password": "owner-pass"}
        )
    assert login.status_code == 303
    assert "secure" in [a.strip().lower() for a in login.headers["set-cookie"].split(";")]


async def test_logout_ends_the_session_server_side_and_clears_the_cookie(client, engine, now):
    login = await client.post(
        "/auth/login", data={"email": "owner@brand.com", "password": "owner-pass"}
    )
    token = login.cookies[SESSION_COOKIE]
    client.cookies.set(SESSION_COOKIE, token)
    response = await client.post("/auth/logout")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert f'{SESSION_COOKIE}=""' in response.headers["set-cookie"]
    with session_scope(engine) as s:
        assert auth.current_viewer(s, token=token, now=now) is None
