"""A fresh instance (no account yet): the first visit creates the owner; afterwards nobody can.
In production that first visit needs the one-time setup code the server printed in its log."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlmodel import select
from starlette.applications import Starlette

from archive_app.api.auth import SESSION_COOKIE, auth_routes
from archive_app.clock import FixedClock
from archive_app.db import session_scope
from archive_app.models.password_reset import SetupCode
from archive_app.models.workspaces import Membership, Role, User, Workspace
from archive_app.services import admin
from archive_app.settings import Mode, Settings
from archive_app.web.flash import FLASH_COOKIE, read_flash
from tests.conftest import build_test_deps
from tests.production_settings import production_settings

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


# --- Production: only whoever reads the server's log can claim a fresh instance -------------

PROD_ORIGIN = "https://archive.brand.example"


@pytest.fixture
async def prod_client(engine, now, tmp_path):
    deps = build_test_deps(engine, production_settings(tmp_path), clock=FixedClock(now))
    app = Starlette(routes=auth_routes(deps))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url=PROD_ORIGIN, headers={"origin": PROD_ORIGIN}
    ) as c:
        c.flash_key = deps.cipher.signing_key
        yield c


def _printed_code(engine, now) -> str:
    """What the server prints at start (archive_app.py's ``_ready``) while nobody has an account."""
    with session_scope(engine) as s:
        code = admin.issue_setup_code(s, now=now)
    assert code is not None and re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    return code


def _setup_error(client, response) -> str:
    flash = read_flash(
        f"{FLASH_COOKIE}={response.cookies.get(FLASH_COOKIE)}", page="/login", key=client.flash_key
    )
    assert flash is not None
    return flash.error


async def test_production_setup_without_the_code_is_refused_and_creates_nobody(
    prod_client, engine, now
):
    _printed_code(engine, now)
    response = await prod_client.post("/auth/setup", data=FORM)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert SESSION_COOKIE not in response.cookies
    assert "Enter the setup code" in _setup_error(prod_client, response)
    with session_scope(engine) as s:
        assert s.exec(select(User)).all() == [] and s.exec(select(Workspace)).all() == []


async def test_production_setup_with_a_wrong_code_is_refused_and_creates_nobody(
    prod_client, engine, now
):
    code = _printed_code(engine, now)
    wrong = ("0" if code[0] != "0" else "1") + code[1:]
    response = await prod_client.post("/auth/setup", data={**FORM, "setup_code": wrong})
    assert SESSION_COOKIE not in response.cookies
    assert "setup code is not right" in _setup_error(prod_client, response)
    with session_scope(engine) as s:
        assert s.exec(select(User)).all() == []


async def test_production_setup_with_the_printed_code_works_once(prod_client, engine, now):
    code = _printed_code(engine, now)
    typed = code.lower().replace("-", " ")  # as someone might type it off the log
    response = await prod_client.post("/auth/setup", data={**FORM, "setup_code": typed})
    assert response.status_code == 303 and response.headers["location"] == "/settings/sources"
    assert response.cookies.get(SESSION_COOKIE)
    prod_client.cookies.clear()
    again = {"email": "intruder@evil.com", "password": "intruder-pass", "workspace": "Mine"}
    second = await prod_client.post("/auth/setup", data={**again, "setup_code": code})
    assert SESSION_COOKIE not in second.cookies
    with session_scope(engine) as s:
        assert [u.email for u in s.exec(select(User)).all()] == ["founder@brand.com"]
        assert s.exec(select(SetupCode)).all() == []  # no code works any more
        assert admin.issue_setup_code(s, now=now) is None  # and no new one is printed


async def test_every_code_printed_while_nobody_has_an_account_works(prod_client, engine, now):
    """Each worker and replica prints a code of its own at start; any of them may be used."""
    first = _printed_code(engine, now)
    second = _printed_code(engine, now)
    assert first != second
    response = await prod_client.post("/auth/setup", data={**FORM, "setup_code": first})
    assert response.headers["location"] == "/settings/sources"


def test_archive_create_owner_needs_no_setup_code(engine, now):
    _printed_code(engine, now)
    with session_scope(engine) as s:
        admin.create_owner(
            s, email="ops@brand.com", password="ops-pass-12", workspace_name="Brand", now=now
        )
    with session_scope(engine) as s:
        assert [u.email for u in s.exec(select(User)).all()] == ["ops@brand.com"]
