"""The live layer at the socket: what a bare socket.io client (no browser, maybe no cookie) can
get from the running app. Each test plays a tab exactly as Chromium connects (bench/tabs.py).
"""

from __future__ import annotations

import asyncio

import pytest
import socketio

from archive_app.settings import Mode, Settings
from archive_app.states.sources import SourcesState
from archive_app.states.team import TeamState
from bench.tabs import Frame, Tab, alerts_mention, boot_info
from tests.browser.live_team import Team, make_team, mentions, send_revocation

HANDLE = "socketbrand"  # what must never reach a socket that may not see this workspace


@pytest.fixture(scope="module")
def team(app_server) -> Team:
    settings = Settings(mode=Mode.test, data_dir=app_server.data_dir, public_url=app_server.url)
    return make_team(app_server.url, settings, name=HANDLE)


@pytest.fixture(scope="module")
def boot():
    return boot_info()


def _run(coro):
    return asyncio.run(coro)


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
        await send_revocation(team)
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
