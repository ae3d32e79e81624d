"""The live layer at the socket: what a bare socket.io client (no browser, maybe no cookie) can
get from the running app. Each test plays a tab exactly as Chromium connects (bench/tabs.py).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import socketio
from sqlmodel import Session

from archive_app.crypto import TokenCipher
from archive_app.db import make_engine
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.integrations.tiktok.protocol import Profile, TokenSet
from archive_app.integrations.tiktok.webhooks import signature
from archive_app.models.workspaces import Membership, Role
from archive_app.services import auth, sources
from archive_app.services.signup import sign_up
from archive_app.settings import Mode, Settings
from archive_app.states.sources import SourcesState
from archive_app.states.team import TeamState
from bench.tabs import Frame, Tab, alerts_mention, boot_info

HANDLE = "socketbrand"  # what must never reach a socket that may not see this workspace


@dataclass
class Team:
    url: str
    workspace_id: int
    owner_cookie: str
    member_cookie: str
    member_id: int
    open_id: str
    settings: Settings


@pytest.fixture(scope="module")
def team(app_server) -> Team:
    """A workspace of this module's own (owner, member, one connected v.2 source), written
    straight into the running app's database."""
    settings = Settings(mode=Mode.test, data_dir=app_server.data_dir, public_url=app_server.url)
    now = datetime.now(UTC)
    open_id = f"sock-{uuid.uuid4().hex}"
    engine = make_engine(settings.database_url)
    with Session(engine, expire_on_commit=False) as s:
        owner = sign_up(
            s,
            email="owner@socketbrand.com",
            password="socket-pass",
            workspace_name="Socket Brand",
            now=now,
        )
        assert owner.workspace_id is not None
        member = auth.add_user(
            s,
            email="member@socketbrand.com",
            password_hash=auth.hash_password("socket-pass"),
            now=now,
        )
        assert member.id is not None
        s.add(
            Membership(
                workspace_id=owner.workspace_id, user_id=member.id, role=Role.member, created_at=now
            )
        )
        member_session = auth.start_session(
            s, user_id=member.id, workspace_id=owner.workspace_id, now=now
        )
        sources.save_connection(
            s,
            workspace_id=owner.workspace_id,
            user_id=owner.user_id,
            kind=Kind.tiktok_v2,
            tokens=TokenSet(
                access_token="act.socket",
                refresh_token="rft.socket",
                access_expires_at=now + timedelta(days=1),
                refresh_expires_at=now + timedelta(days=365),
                open_id=open_id,
                scopes=("user.info.basic",),
            ),
            profile=Profile(open_id, HANDLE, "Socket Brand", ""),
            cipher=TokenCipher(settings.fernet_key()),
            now=now,
        )
        s.commit()
    engine.dispose()
    return Team(
        url=app_server.url,
        workspace_id=owner.workspace_id,
        owner_cookie=f"archive_session={owner.session_token}",
        member_cookie=f"archive_session={member_session.session_token}",
        member_id=member.id,
        open_id=open_id,
        settings=settings,
    )


@pytest.fixture(scope="module")
def boot():
    return boot_info()


def mentions(text: str):
    return lambda frame: text in frame.json()


def _run(coro):
    return asyncio.run(coro)


async def _send_revocation(team: Team) -> None:
    """TikTok's signed ``authorization.removed`` for the module's source (TIKTOK.md)."""
    import json

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


def test_a_socket_whose_token_is_not_a_browser_tab_is_refused(team, boot):
    async def go() -> None:
        for token in ("ws-1", f"ws-{team.workspace_id}", "x" * 36, "../ws-1"):
            tab = Tab(team.url, cookie=None, token=token, boot=boot)
            with pytest.raises(socketio.exceptions.ConnectionError):
                await tab.connect(timeout=10)
            assert not any(HANDLE in f.json() for f in tab.frames)
        # The shape the browser makes is accepted.
        async with Tab(team.url, cookie=team.owner_cookie, boot=boot) as tab:
            await tab.wait_for(mentions(HANDLE), timeout=20)

    _run(go())


def test_a_tab_with_no_cookie_gets_nothing_of_any_workspace(team, boot):
    async def go() -> None:
        async with Tab(team.url, cookie=None, boot=boot) as tab:
            await tab.wait_for(mentions("/login"), timeout=20)  # sent to the login page
            await asyncio.sleep(0.5)
            assert not any(HANDLE in f.json() or "socketbrand.com" in f.json() for f in tab.frames)

    _run(go())


def test_a_closed_tabs_token_replayed_without_a_cookie_finds_nothing(team, boot):
    async def go() -> None:
        owner = Tab(team.url, cookie=team.owner_cookie, boot=boot)
        await owner.connect()
        await owner.wait_for(mentions(HANDLE), timeout=20)
        await owner.disconnect()
        await asyncio.sleep(1.0)  # the server forgets the tab once its socket closed
        async with Tab(team.url, cookie=None, token=owner.token, boot=boot) as replay:
            await replay.wait_for(mentions("/login"), timeout=20)
            await asyncio.sleep(0.5)
            assert not any(HANDLE in f.json() for f in replay.frames)

    _run(go())


def test_opening_a_tab_pushes_nothing_to_the_tabs_already_open(team, boot):
    async def go() -> None:
        async with Tab(team.url, cookie=team.owner_cookie, boot=boot) as first:
            await first.wait_hydrated()
            await asyncio.sleep(0.5)
            before = first.frame_count
            more = [Tab(team.url, cookie=team.owner_cookie, boot=boot) for _ in range(5)]
            for tab in more:
                await tab.connect()
            await asyncio.gather(*(t.wait_hydrated() for t in more))
            await asyncio.sleep(0.5)
            assert first.frame_count == before
            await asyncio.gather(*(t.disconnect() for t in more))

    _run(go())


def test_a_removed_members_socket_gets_no_workspace_data_after_removal(team, boot, app_server):
    async def go() -> None:
        member = Tab(team.url, cookie=team.member_cookie, boot=boot)
        owner = Tab(team.url, cookie=team.owner_cookie, boot=boot)
        await member.connect()
        await owner.connect()
        await member.wait_for(mentions(HANDLE), timeout=20)  # a member sees the source
        await owner.wait_hydrated()
        seen = member.frame_count
        await owner.emit(
            f"{TeamState.get_full_name()}.remove_member", {"member_user_id": team.member_id}
        )
        await member.wait_for(mentions("/login?notice=removed"), timeout=20)
        # The workspace changes after the removal: the owner hears of it, the removed tab not.
        await _send_revocation(team)
        await owner.wait_for(alerts_mention(HANDLE), timeout=20)
        await asyncio.sleep(0.5)
        after: list[Frame] = list(member.frames)[seen:]
        assert after, "the removed tab was told to go to the login page"
        assert not any(HANDLE in f.json() for f in after)
        await owner.disconnect()
        await member.disconnect()

    _run(go())


def test_an_event_with_bad_arguments_gets_a_clear_answer_and_one_log_line(team, boot, app_server):
    async def go() -> None:
        log_before = app_server.log_path.read_text()
        async with Tab(team.url, cookie=team.owner_cookie, boot=boot) as tab:
            await tab.wait_hydrated()
            await tab.emit(f"{SourcesState.get_full_name()}.disconnect", {"source_id": "abc"})
            await tab.wait_for(mentions("did not understand that request"), timeout=20)
        new_log = app_server.log_path.read_text()[len(log_before) :]
        assert "refused an event with bad arguments" in new_log
        assert "Traceback" not in new_log

    _run(go())
