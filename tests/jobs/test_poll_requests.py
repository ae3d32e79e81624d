"""Issue 18, section 4: loading Settings → Sources never starts a mention poll; a connection
that completes asks for one poll of that one source, and such requests coalesce."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.routing import Mount

from archive_app import deps as deps_module
from archive_app import dispatch, events
from archive_app.api.oauth import oauth_routes
from archive_app.clock import ShiftedClock
from archive_app.db import session_scope
from archive_app.deps import Deps, build_deps
from archive_app.integrations.tiktok import Kind
from archive_app.jobs import runs, scheduler
from archive_app.jobs.tasks import FETCH_COVERS, POLL_MENTIONS, JobSpec
from archive_app.models.job_requests import JobRequest
from archive_app.models.mentions import Mention
from archive_app.models.sources import Source
from archive_app.services.job_requests import ALL
from archive_app.simulator import create_simulator_app
from archive_app.states.sources import SourcesState
from archive_app.states.sources_wizard import ConnectWizardState
from archive_app.web.cookies import SESSION_COOKIE
from tests import factories
from tests.integrations.tiktok_backends import sim_settings
from tests.services.test_mentions import World
from tests.states.conftest import open_tab

PAGE_LOADS = 40


@pytest.fixture
async def world(tmp_path: Path, engine: Engine) -> AsyncIterator[World]:
    """The app's Deps on the simulator (installed, as the States use them), scheduler allowed."""
    settings = sim_settings(3000, tmp_path, public_url="http://app.test", scheduler_enabled=True)
    clock = ShiftedClock()
    app = Starlette()
    transport = httpx.ASGITransport(app=app)
    deps = deps_module.install(
        build_deps(settings, engine=engine, clock=clock, transport=transport)
    )
    app.router.routes.append(
        Mount("/_sim", app=create_simulator_app(settings=settings, clock=clock))
    )
    with Session(engine) as s:
        owner = factories.workspace(s, now=clock.now())
    async with httpx.AsyncClient(transport=transport, base_url="http://app.test") as control:
        yield World(deps, control, owner.workspace_id, owner.user_id)
    deps_module.uninstall()


class FullPolls:
    """A stand-in for the ``poll_mentions`` row that counts full runs (every workspace)."""

    def __init__(self) -> None:
        self.runs = 0

    async def __call__(self, deps: Deps) -> dict[str, int]:
        self.runs += 1
        return {}

    def jobs(self) -> tuple[JobSpec, ...]:
        # Its own interval never comes within a test: only a kick would run it.
        return (JobSpec(POLL_MENTIONS, timedelta(hours=1), self),)


async def _leader(deps: Deps, polls: FullPolls):
    running = scheduler.run_scheduler(deps, jobs=polls.jobs(), retry_seconds=0.05)
    await running.__aenter__()
    for _ in range(300):
        if scheduler.is_leader():
            return running
        await asyncio.sleep(0.01)
    raise AssertionError("never became the leader")


async def _quiet(engine: Engine) -> None:
    """Let anything a kick or a request started run to its end (the leader takes requests at
    least once a second)."""
    await asyncio.sleep(1.2)
    for _ in range(200):
        with Session(engine) as s:
            waiting = s.exec(select(JobRequest)).first() is not None
        if not (waiting or scheduler._writes or runs._started or runs._poll_running):
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)


def _mentions(engine: Engine, workspace_id: int) -> list[str]:
    with Session(engine) as s:
        rows = s.exec(select(Mention).where(Mention.workspace_id == workspace_id)).all()
        return sorted(m.caption for m in rows)


async def test_forty_loads_of_sources_with_connected_id_start_no_mention_poll(world: World):
    source_id = await world.connect(Kind.tiktok_v2, "brandco")
    await world.sim(
        "/mentions", {"brand_username": "brandco", "creator_handle": "ann", "caption": "hi"}
    )
    with session_scope(world.deps.engine) as s:
        token = factories.log_in(s, ip="t", at=world.deps.clock.now()).session_token
    polls = FullPolls()
    running = await _leader(world.deps, polls)
    try:
        flashes = set()
        for _ in range(PAGE_LOADS):
            tab = await open_tab(
                SourcesState,
                cookie=f"{SESSION_COOKIE}={token}",
                path="/settings/sources",
                query=f"connected={source_id}",
            )
            await tab.guard()
            await tab.load()
            wizard = await tab.get_state(ConnectWizardState)
            flashes.add(wizard.flash)
        await _quiet(world.deps.engine)
    finally:
        await running.__aexit__(None, None, None)
    assert flashes == {"Connected @brandco. It is Active now."}  # the page still says so
    assert polls.runs == 0  # no full poll of every workspace
    assert _mentions(world.deps.engine, world.workspace_id) == []  # nor of this source


async def test_requests_for_one_source_coalesce_into_one_poll_of_only_that_source(
    world: World, engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
):
    mine = await world.connect(Kind.tiktok_v2, "brandco")
    other = factories.workspace(
        session, email="o@other.com", name="Other", now=world.deps.clock.now()
    )
    other_ws = other.workspace_id
    await world.connect(Kind.tiktok_v2, "otherbrand", workspace_id=other_ws)
    for brand in ("brandco", "otherbrand"):
        await world.sim(
            "/mentions", {"brand_username": brand, "creator_handle": "ann", "caption": brand}
        )
    requested: list[set[int] | None] = []
    real_poll = runs.poll_mentions

    async def counted_poll(deps: Deps, source_ids: set[int] | None = None) -> dict[str, int]:
        requested.append(source_ids)
        return await real_poll(deps, source_ids=source_ids)

    monkeypatch.setattr(runs, "poll_mentions", counted_poll)
    polls = FullPolls()
    running = await _leader(world.deps, polls)
    try:
        asked = [scheduler.request_poll(mine) for _ in range(PAGE_LOADS)]
        await _quiet(engine)
    finally:
        await running.__aexit__(None, None, None)
    assert all(asked) and requested == [{mine}]  # forty asks, one poll
    assert polls.runs == 0
    assert _mentions(engine, world.workspace_id) == ["brandco"]
    assert _mentions(engine, other_ws) == []  # the other workspace's source was not polled


async def test_a_request_in_a_process_without_a_scheduler_is_refused_and_records_nothing(
    world: World,
):
    assert not scheduler.is_leader()
    assert scheduler.request_poll(1) is False
    with Session(world.deps.engine) as s:
        assert s.exec(select(JobRequest)).all() == []


async def test_kicks_while_a_run_is_under_way_add_no_second_run(world: World):
    started, release = asyncio.Event(), asyncio.Event()
    runs = 0

    async def slow(deps: Deps) -> dict[str, int]:
        nonlocal runs
        runs += 1
        started.set()
        await release.wait()
        return {}

    jobs = (JobSpec("test_slow", timedelta(hours=1), slow),)
    async with scheduler.run_scheduler(world.deps, jobs=jobs, retry_seconds=0.05):
        for _ in range(300):
            if scheduler.is_leader():
                break
            await asyncio.sleep(0.01)
        assert scheduler.kick("test_slow")
        await asyncio.wait_for(started.wait(), timeout=3)
        assert all(scheduler.kick("test_slow") for _ in range(PAGE_LOADS))
        release.set()
        await asyncio.sleep(0.5)
        assert runs == 1


async def test_a_completed_consent_records_one_event_whose_effects_poll_only_the_new_source(
    world: World,
):
    recorded: list[events.Event] = []

    async def dispatcher(batch: Sequence[events.Event]) -> None:
        recorded.extend(batch)

    world.deps.db.after_commit.install(dispatcher, asyncio.get_running_loop())
    app = Starlette(routes=oauth_routes(world.deps))
    with session_scope(world.deps.engine) as s:
        token = factories.log_in(s, ip="t", at=world.deps.clock.now()).session_token
    await world.sim("/accounts", {"username": "brandco"})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://app.test",
        cookies={SESSION_COOKIE: token},
    ) as browser:
        start = await browser.get("/oauth/tiktok/v2/start")
        consent = await world.control.post(
            start.headers["location"], data={"username": "brandco", "decision": "authorize"}
        )
        back = httpx.URL(consent.headers["location"])
        done = await browser.get("/oauth/tiktok/callback", params=dict(back.params))
        again = await browser.get("/oauth/tiktok/callback", params=dict(back.params))
    with Session(world.deps.engine) as s:
        source_id = s.exec(select(Source.id)).one()
    assert done.status_code == 303 and again.status_code == 400  # the state is single-use
    connected = [e for e in recorded if isinstance(e, events.SourceConnected)]
    assert [e.source_id for e in connected] == [source_id]
    # The poll of exactly that source, and the media job (which keeps its avatar).
    assert dispatch.plan(recorded).jobs == [(POLL_MENTIONS, str(source_id)), (FETCH_COVERS, ALL)]
