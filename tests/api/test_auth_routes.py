"""The log-in, sign-up and log-out routes as a browser meets them: form posts and redirects."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from archive_app.api.auth import SESSION_COOKIE, auth_routes
from archive_app.clock import FixedClock
from archive_app.db import session_scope
from archive_app.services import auth
from archive_app.settings import Mode, Settings

ORIGIN = "http://archive.test"


@pytest.fixture
async def client(engine, now, tmp_path):
    settings = Settings(_env_file=None, mode=Mode.test, data_dir=tmp_path, public_url=ORIGIN)
    app = Starlette(
        routes=auth_routes(settings=settings, engine=lambda: engine, clock=FixedClock(now))
    )
    with session_scope(engine) as s:
        auth.sign_up(
            s, email="owner@brand.com", password="owner-pass", workspace_name="Brand", now=now
        )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as c:
        yield c


def _error(response) -> str:
    return parse_qs(urlsplit(response.headers["location"]).query)["error"][0]


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
    assert response.status_code == 303 and "set-cookie" not in response.headers
    assert response.headers["location"].startswith("/login?")
    assert _error(response) == "That email and password don't match an account."


async def test_a_form_posted_from_another_site_is_refused(client):
    response = await client.post(
        "/auth/login",
        data={"email": "owner@brand.com", "password": "owner-pass"},
        headers={"origin": "https://evil.example"},
    )
    assert response.status_code == 403 and "set-cookie" not in response.headers


async def test_duplicate_sign_up_keeps_what_was_typed_and_says_why(client):
    response = await client.post(
        "/auth/signup",
        data={"email": "OWNER@brand.com", "password": "another-pass", "workspace": "Second"},
    )
    assert "already exists" in _error(response)
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["email"] == ["OWNER@brand.com"] and query["workspace"] == ["Second"]


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
