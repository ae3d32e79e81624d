"""The page-load check of tabs that load at the same moment is read once for all of them, and
each tab still gets the answer for its own cookie, read after it asked."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest
from sqlmodel import Session

from archive_app.db import session_scope
from archive_app.deps import current, run_db
from archive_app.services import demo
from archive_app.services import team as team_service
from archive_app.services.actor import Actor
from archive_app.states.page_check import Answer, PageChecks
from archive_app.states.sources import SourcesState
from tests.states.conftest import open_tab, sign_in_demo


class CountingRunner:
    """The real unit of work, counted; ``hold()`` keeps the next one on its thread after it has
    read, until ``release()``, so a test can ask while a batch is being read."""

    def __init__(self) -> None:
        self.units = 0
        self._read = threading.Event()
        self._go = threading.Event()
        self._go.set()

    def hold(self) -> None:
        self._read.clear()
        self._go.clear()

    def release(self) -> None:
        self._go.set()

    async def wait_read(self) -> None:
        await asyncio.to_thread(self._read.wait, 10)

    async def __call__(self, work: Callable[[Session], dict[str, Answer]]) -> dict[str, Answer]:
        self.units += 1

        def held(session: Session) -> dict[str, Answer]:
            answers = work(session)
            self._read.set()
            self._go.wait(10)
            return answers

        return await run_db(held)


async def test_tabs_loading_together_share_one_unit_of_work_each_gets_its_own_viewer(app_db):
    people = sign_in_demo()
    runner = CountingRunner()
    checks = PageChecks(runner)
    runner.hold()
    first = asyncio.ensure_future(checks.check(people.owner_token))
    await runner.wait_read()  # the first tab's check is being read alone
    runner.release()
    tokens = [people.owner_token, people.member_token, "unknown", people.owner_token] * 5
    answers = await asyncio.gather(*(checks.check(t) for t in tokens))
    assert (await first) is not None
    assert runner.units == 2  # the first alone, then the twenty that came meanwhile
    emails = [a.viewer.email if a else None for a in answers]
    assert emails == [demo.DEMO_OWNER, demo.DEMO_MEMBER, None, demo.DEMO_OWNER] * 5
    views = {id(a.view) for a in answers if a}
    assert len(views) == 1  # their workspace's view was loaded once for all of them
    owner = next(a for a in answers if a)
    assert owner.view.workspace_id == owner.viewer.workspace_id
    assert owner.view.member_count == 2


async def test_a_check_that_comes_while_a_batch_is_read_waits_for_a_fresh_read(app_db):
    people = sign_in_demo()
    runner = CountingRunner()
    checks = PageChecks(runner)
    runner.hold()
    early = asyncio.ensure_future(checks.check(people.member_token))
    await runner.wait_read()  # read: the member was still in the workspace
    owner = Actor(workspace_id=people.owner.workspace_id, user_id=people.owner.user_id)
    with session_scope(current().engine) as s:
        team_service.remove_member(s, actor=owner, member_user_id=people.member_id)
    late = asyncio.ensure_future(checks.check(people.member_token))
    await asyncio.sleep(0.05)
    runner.release()
    assert (await early) is not None  # asked before the removal: as it was then
    assert (await late) is None  # asked after: not the answer read before it asked
    assert runner.units == 2


async def test_no_cookie_needs_no_database(app_db):
    runner = CountingRunner()
    assert await PageChecks(runner).check(None) is None
    assert await PageChecks(runner).check("") is None
    assert runner.units == 0


async def test_a_failed_read_reaches_every_check_of_its_batch_and_the_next_batch_reads_again(
    app_db,
):
    people = sign_in_demo()
    failing = True

    async def flaky(work: Callable[[Session], dict[str, Answer]]) -> dict[str, Answer]:
        if failing:
            raise ConnectionError("database unreachable")
        return await run_db(work)

    checks = PageChecks(flaky)
    results = await asyncio.gather(
        *(checks.check(people.owner_token) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, ConnectionError) for r in results)
    failing = False
    answer = await checks.check(people.owner_token)
    assert answer is not None and answer.viewer.email == demo.DEMO_OWNER


async def test_a_tab_that_goes_away_does_not_spoil_the_batch_for_the_others(app_db):
    people = sign_in_demo()
    runner = CountingRunner()
    checks = PageChecks(runner)
    runner.hold()
    gone = asyncio.ensure_future(checks.check(people.owner_token))
    await runner.wait_read()
    staying = asyncio.ensure_future(checks.check(people.owner_token))
    leaving = asyncio.ensure_future(checks.check(people.owner_token))
    await asyncio.sleep(0)
    leaving.cancel()
    gone.cancel()
    runner.release()
    answer = await staying
    assert answer is not None and answer.viewer.email == demo.DEMO_OWNER
    with pytest.raises(asyncio.CancelledError):
        await leaving


async def test_loading_settings_sources_again_sends_and_saves_only_what_changed(app_db):
    """A reload (or a reconnect) of a tab whose wizard and editor are closed: its second page
    load changes nothing, so nothing is sent to the browser or written back for it."""
    people = sign_in_demo()
    tab = await open_tab(
        SourcesState, cookie=f"archive_session={people.owner_token}", path="/settings/sources"
    )
    root = tab.parent_state.parent_state
    assert await tab.guard() is None
    assert await tab.load() is None
    first = await root._get_resolved_delta()
    assert any(name.endswith("app_state") for name in first)  # the viewer and the sources
    root._clean()
    assert await tab.guard() is None
    assert await tab.load() is None
    assert await root._get_resolved_delta() == {}  # nothing dirty: nothing sent or saved
