"""The link mailed to a new profile address: its page's button posts the change over HTTP
(``POST /auth/email/confirm/…``); opening the link itself changes nothing."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select
from starlette.applications import Starlette

from archive_app.api.auth import auth_routes
from archive_app.clock import FixedClock
from archive_app.db import session_scope
from archive_app.models.notifications import OutboxEmail
from archive_app.models.workspaces import User
from archive_app.services import email_change
from archive_app.services.signup import sign_up
from archive_app.settings import Mode, Settings
from tests.conftest import build_test_deps

ORIGIN = "http://archive.test"


@pytest.fixture
async def client(engine, now, tmp_path):
    settings = Settings(_env_file=None, mode=Mode.test, data_dir=tmp_path, public_url=ORIGIN)
    deps = build_test_deps(engine, settings, clock=FixedClock(now))
    app = Starlette(routes=auth_routes(deps))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as c:
        yield c


def _requested(engine, now, new_email: str) -> tuple[int, str]:
    """An owner asked to move to ``new_email``; returns their id and the mailed link's path."""
    with session_scope(engine) as s:
        owner = sign_up(
            s, email="owner@brand.com", password="owner-pass", workspace_name="Brand", now=now
        )
        email_change.request_email_change(
            s,
            user_id=owner.user_id,
            new_email=new_email,
            password="owner-pass",
            ip="1.1.1.1",
            base_url=ORIGIN,
            now=now,
        )
    with session_scope(engine) as s:
        mail = s.exec(select(OutboxEmail).where(OutboxEmail.to_address == new_email)).one()
    link = mail.text_body.split(ORIGIN, 1)[1].split()[0]
    assert link.startswith("/email/confirm/")
    return owner.user_id, link


def _button(link: str) -> str:
    """Where the link's page posts its button."""
    return "/auth" + link


def _email_of(engine, user_id: int) -> str:
    with session_scope(engine) as s:
        user = s.get(User, user_id)
        assert user is not None
        return user.email


async def test_the_links_button_changes_the_address_once_and_lands_on_the_profile(
    client, engine, now
):
    user_id, link = _requested(engine, now, "new@brand.com")
    first = await client.post(_button(link), headers={"origin": ORIGIN})
    assert first.status_code == 303
    assert first.headers["location"] == "/settings/profile?email_change=changed"
    assert _email_of(engine, user_id) == "new@brand.com"
    again = await client.post(_button(link), headers={"origin": ORIGIN})
    assert again.headers["location"] == "/settings/profile?email_change=used"


async def test_fetching_the_link_as_a_mail_scanner_does_changes_nothing(client, engine, now):
    user_id, link = _requested(engine, now, "new@brand.com")
    for url in (link, _button(link)):
        response = await client.get(url)
        assert response.status_code in (404, 405)
    assert _email_of(engine, user_id) == "owner@brand.com"


async def test_the_button_posted_from_another_site_changes_nothing(client, engine, now):
    user_id, link = _requested(engine, now, "new@brand.com")
    response = await client.post(_button(link), headers={"origin": "https://evil.example"})
    assert response.status_code == 403
    assert _email_of(engine, user_id) == "owner@brand.com"


async def test_a_made_up_link_changes_nothing(client, engine, now):
    user_id, _ = _requested(engine, now, "new@brand.com")
    response = await client.post("/auth/email/confirm/not-a-real-token", headers={"origin": ORIGIN})
    assert response.headers["location"] == "/settings/profile?email_change=invalid"
    assert _email_of(engine, user_id) == "owner@brand.com"
