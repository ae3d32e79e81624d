"""A workspace for socket-level tests, written straight into a running app's database, and
TikTok's signed revocation of its source (shared by test_live_socket and test_live_scale)."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from sqlmodel import Session

from archive_app.crypto import TokenCipher
from archive_app.db import make_engine
from archive_app.integrations.tiktok.webhooks import signature
from archive_app.services import auth
from archive_app.settings import Settings
from bench.push import connect_v2_directly
from tests import factories


@dataclass
class Team:
    url: str
    workspace_id: int
    handle: str
    owner_cookie: str
    member_cookie: str
    member_id: int
    open_id: str
    settings: Settings


def make_team(url: str, settings: Settings, *, name: str) -> Team:
    """A workspace ``name`` with an owner, a member and one connected v.2 source @<name>."""
    now = datetime.now(UTC)
    open_id = f"{name}-{uuid.uuid4().hex}"
    # Its own addresses each time: a module-scoped fixture is made again when tests of
    # several modules run interleaved (any order must pass).
    domain = f"{name}-{uuid.uuid4().hex[:8]}.com"
    engine = make_engine(settings.database_url)
    with Session(engine, expire_on_commit=False) as s:
        owner = factories.workspace(
            s, email=f"owner@{domain}", password="socket-pass", name=name.title(), now=now
        )
        member_id = factories.member(
            s,
            workspace_id=owner.workspace_id,
            email=f"member@{domain}",
            password="socket-pass",
            now=now,
        )
        member_session = auth.start_session(
            s, user_id=member_id, workspace_id=owner.workspace_id, now=now
        )
        connect_v2_directly(
            s,
            workspace_id=owner.workspace_id,
            user_id=owner.user_id,
            handle=name,
            open_id=open_id,
            cipher=TokenCipher(settings.fernet_key()),
            now=now,
        )
        s.commit()
    engine.dispose()
    return Team(
        url=url,
        workspace_id=owner.workspace_id,
        handle=name,
        owner_cookie=f"archive_session={owner.session_token}",
        member_cookie=f"archive_session={member_session.session_token}",
        member_id=member_id,
        open_id=open_id,
        settings=settings,
    )


async def send_revocation(team: Team) -> None:
    """TikTok's signed ``authorization.removed`` for the team's source (TIKTOK.md)."""
    ts = int(time.time())
    body = json.dumps(
        {
            "client_key": team.settings.tiktok_v2_client_key,
            "event": "authorization.removed",
            "create_time": ts,
            "user_openid": team.open_id,
            "content": json.dumps({"reason": 1}),
        }
    ).encode()
    header = signature(team.settings.tiktok_v2_client_secret.get_secret_value(), body, ts)
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(
            f"{team.url}/webhooks/tiktok",
            content=body,
            headers={"Content-Type": "application/json", "Tiktok-Signature": header},
        )
    assert response.status_code == 200, response.text


def mentions(text: str):
    return lambda frame: text in frame.json()
