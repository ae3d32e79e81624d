"""Accepting an invitation over HTTP, as an attacker and as the invited person meet it.

The attack of issue 18 (section 1): an owner invites someone else's address, reads the link (on
the Team page in demo mode, or from the mail), and posts password guesses to it. The link must
never check a password of an existing account, so no guess can sign in or join anyone.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from sqlmodel import select
from starlette.applications import Starlette

from archive_app.api.auth import SESSION_COOKIE, auth_routes
from archive_app.clock import FixedClock
from archive_app.db import session_scope
from archive_app.models.workspaces import Membership
from archive_app.services import invite as invite_service
from archive_app.services.actor import Actor
from archive_app.services.signup import sign_up
from archive_app.settings import Mode, Settings
from archive_app.web.flash import FLASH_COOKIE, read_flash
from tests.conftest import build_test_deps

ORIGIN = "http://archive.test"
FORM = {"origin": ORIGIN}


@pytest.fixture
def deps(engine, now, tmp_path):
    settings = Settings(_env_file=None, mode=Mode.test, data_dir=tmp_path, public_url=ORIGIN)
    return build_test_deps(engine, settings, clock=FixedClock(now))


@pytest.fixture
def world(engine, now):
    """An attacker who owns a workspace, and a victim with an account of their own."""
    with session_scope(engine) as s:
        attacker = sign_up(
            s,
            email="attacker@evil.example",
            password="attacker-pass",
            workspace_name="Evil",
            now=now,
        )
        victim = sign_up(
            s, email="victim@brand.com", password="victim-pass", workspace_name="Brand", now=now
        )
    return attacker, victim


def _client(deps) -> httpx.AsyncClient:
    app = Starlette(routes=auth_routes(deps))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN)


def _invite(engine, now, inviter, email: str) -> str:
    with session_scope(engine) as s:
        sent = invite_service.invite(
            s,
            actor=Actor(workspace_id=inviter.workspace_id, user_id=inviter.user_id),
            email=email,
            base_url=ORIGIN,
            reveal_link=True,  # demo mode: the attacker reads it off their own Team page
            now=now,
        )
    return sent.accept_url.rsplit("/", 1)[-1]


def _members(engine, workspace_id: int) -> set[int]:
    with session_scope(engine) as s:
        rows = s.exec(select(Membership).where(Membership.workspace_id == workspace_id)).all()
        return {m.user_id for m in rows}


def _error(deps, response) -> str:
    location = urlsplit(response.headers["location"])
    flash = read_flash(
        f"{FLASH_COOKIE}={response.cookies.get(FLASH_COOKIE)}",
        page=location.path,
        key=deps.cipher.signing_key,
    )
    assert flash is not None
    return flash.error


async def test_password_guesses_on_an_invite_of_an_existing_account_never_sign_in_or_join(
    deps, world, engine, now
):
    attacker, victim = world
    token = _invite(engine, now, attacker, "victim@brand.com")
    guesses = [f"guess-{n:04d}" for n in range(9)] + ["victim-pass"]  # the right one included
    async with _client(deps) as client:
        for guess in guesses:
            response = await client.post(
                f"/auth/invite/{token}", data={"password": guess}, headers=FORM
            )
            assert response.status_code == 303
            assert response.headers["location"] == f"/invite/{token}"
            assert SESSION_COOKIE not in response.cookies
            # The same answer for every guess: the password is never looked at.
            assert _error(deps, response) == (
                "victim@brand.com already has an Archive account: log in as victim@brand.com, "
                "then accept the invitation."
            )
    assert victim.user_id not in _members(engine, attacker.workspace_id)


async def test_a_session_of_another_account_cannot_accept_for_the_invited_address(
    deps, world, engine, now
):
    attacker, victim = world
    token = _invite(engine, now, attacker, "victim@brand.com")
    async with _client(deps) as client:
        client.cookies.set(SESSION_COOKIE, attacker.session_token)
        response = await client.post(
            f"/auth/invite/{token}", data={"password": "victim-pass"}, headers=FORM
        )
    assert response.headers["location"] == f"/invite/{token}"
    assert SESSION_COOKIE not in response.cookies
    assert "logged in as attacker@evil.example" in _error(deps, response)
    assert victim.user_id not in _members(engine, attacker.workspace_id)


async def test_the_invited_person_logs_in_normally_then_accepts_with_no_password(
    deps, world, engine, now
):
    attacker, victim = world
    token = _invite(engine, now, attacker, "victim@brand.com")
    async with _client(deps) as client:
        # A refused try first: the invitation stays usable.
        refused = await client.post(f"/auth/invite/{token}", data={}, headers=FORM)
        assert SESSION_COOKIE not in refused.cookies
        login = await client.post(
            "/auth/login",
            data={
                "email": "victim@brand.com",
                "password": "victim-pass",
                "next": f"/invite/{token}",
            },
            headers=FORM,
        )
        assert login.headers["location"] == f"/invite/{token}"
        old_session = login.cookies[SESSION_COOKIE]
        accepted = await client.post(f"/auth/invite/{token}", data={}, headers=FORM)
    assert accepted.status_code == 303 and accepted.headers["location"] == "/feed"
    new_session = accepted.cookies[SESSION_COOKIE]
    assert new_session and new_session != old_session
    assert victim.user_id in _members(engine, attacker.workspace_id)


async def test_an_invite_of_a_new_address_creates_the_account_with_the_chosen_password(
    deps, world, engine, now
):
    attacker, _ = world
    token = _invite(engine, now, attacker, "newcomer@brand.com")
    async with _client(deps) as client:
        short = await client.post(f"/auth/invite/{token}", data={"password": "short"}, headers=FORM)
        assert _error(deps, short) == "Use a password of at least 8 characters."
        joined = await client.post(
            f"/auth/invite/{token}", data={"password": "newcomer-pass"}, headers=FORM
        )
        assert joined.headers["location"] == "/feed" and joined.cookies[SESSION_COOKIE]
        client.cookies.clear()
        login = await client.post(
            "/auth/login",
            data={"email": "newcomer@brand.com", "password": "newcomer-pass"},
            headers=FORM,
        )
    assert login.headers["location"] == "/feed" and login.cookies[SESSION_COOKIE]
