"""A fresh instance (no account yet): the first visit creates the owner; afterwards nobody can."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select
from starlette.applications import Starlette

from archive_app.api.auth import SESSION_COOKIE, auth_routes
from archive_app.clock import FixedClock
from archive_app.db import session_scope
from archive_app.models.workspaces import Membership, Role, User, Workspace
from archive_app.settings import Mode, Settings
from archive_app.web.flash import FLASH_COOKIE, read_flash
from tests.conftest import build_test_deps

ORIGIN = "http://archive.test"
FORM = {"email": "Founder@Brand.com", "password": "founder-pass", "workspace": "Brand"}


@pytest.fixture
async def client(engine, now, tmp_path):
    settings = Settings(_env_file=None, mode=Mode.test, data_dir=tmp_path, public_url=ORIGIN)
    deps = build_test_deps(engine, settings, clock=FixedClock(now))
    app = Starlette(routes=auth_routes(deps))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as c:
        c.flash_key = deps.cipher.signing_key
        yield c


async def test_the_first_visitor_creates_the_owner_and_lands_on_sources(client, engine):
    response = await client.post("/auth/setup", data=FORM, headers={"origin": ORIGIN})
    assert response.status_code == 303 and response.headers["location"] == "/settings/sources"
    assert response.cookies.get(SESSION_COOKIE)
    with session_scope(engine) as s:
        user = s.exec(select(User)).one()
        membership = s.exec(select(Membership)).one()
        workspace = s.exec(select(Workspace)).one()
    assert user.email == "founder@brand.com" and workspace.name == "Brand"
    assert membership.role == Role.owner and membership.user_id == user.id


async def test_once_anyone_has_an_account_setup_is_refused_and_changes_nothing(client, engine):
    await client.post("/auth/setup", data=FORM, headers={"origin": ORIGIN})
    client.cookies.clear()
    second = {"email": "intruder@evil.com", "password": "intruder-pass", "workspace": "Mine"}
    response = await client.post("/auth/setup", data=second, headers={"origin": ORIGIN})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert SESSION_COOKIE not in response.cookies
    flash = read_flash(
        f"{FLASH_COOKIE}={response.cookies.get(FLASH_COOKIE)}", page="/login", key=client.flash_key
    )
    assert flash is not None and flash.error == "This Archive already has an owner. Log in instead."
    with session_scope(engine) as s:
        assert [u.email for u in s.exec(select(User)).all()] == ["founder@brand.com"]


async def test_setup_posted_from_another_site_is_refused(client, engine):
    response = await client.post(
        "/auth/setup", data=FORM, headers={"origin": "https://evil.example"}
    )
    assert response.status_code == 403
    with session_scope(engine) as s:
        assert s.exec(select(User)).all() == []


async def test_a_bad_setup_form_says_why_and_keeps_what_was_typed(client, engine):
    response = await client.post(
        "/auth/setup", data={**FORM, "password": "short"}, headers={"origin": ORIGIN}
    )
    flash = read_flash(
        f"{FLASH_COOKIE}={response.cookies.get(FLASH_COOKIE)}", page="/login", key=client.flash_key
    )
    assert flash is not None and "at least 8 characters" in flash.error
    assert flash.fields == {"email": "Founder@Brand.com", "workspace": "Brand"}
    with session_scope(engine) as s:
        assert s.exec(select(User)).all() == []
