"""The ``retry_queued_dms`` job against the simulator over HTTP: a request whose DM was delivered
but not saved (the process died) is recorded on retry, and the creator still has one message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.applications import Starlette

from archive_app import deps as deps_module
from archive_app.clock import ShiftedClock
from archive_app.deps import Deps
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.jobs import runs
from archive_app.models.rights import RightsRequest
from archive_app.services.rights import requests as rights
from archive_app.services.rights.link import answer_block
from archive_app.services.rights.send import LEASE
from archive_app.settings import Settings
from archive_app.simulator import simulator_mounts
from tests import factories
from tests.conftest import build_test_deps


class Crash(BaseException):
    pass


@dataclass
class SimWorld:
    deps: Deps
    clock: ShiftedClock
    control: httpx.AsyncClient
    workspace_id: int = 0
    user_id: int = 0
    mention_id: int = 0

    async def sim(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = await self.control.request(method, f"/_sim/control{path}", json=body)
        assert response.status_code < 300, response.text
        return response.json()

    async def messages(self, handle: str) -> list[dict[str, Any]]:
        return (await self.sim("GET", f"/creators/{handle}/messages"))["messages"]  # type: ignore[no-any-return]


@pytest.fixture
async def sim_world(app_engine: Engine, app_settings: Settings) -> AsyncIterator[SimWorld]:
    clock = ShiftedClock()
    sim = Starlette(routes=simulator_mounts(app_settings, clock=clock))  # type: ignore[arg-type]
    # Installed as archive_app.py does: the job tells open tabs through live.announce.
    deps = deps_module.install(
        build_test_deps(app_engine, app_settings, clock=clock, simulator=sim)
    )
    transport = httpx.ASGITransport(app=sim)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim.test") as control:
        world = SimWorld(deps, clock, control)
        await _brand_with_a_v1_source(world)
        yield world
    deps_module.uninstall()


async def _brand_with_a_v1_source(world: SimWorld) -> None:
    await world.sim("POST", "/accounts", {"username": "brand", "display_name": "Brand"})
    now = world.clock.now()
    tokens = await factories.simulator_grant(
        world.control,
        world.deps.gateway(Kind.tiktok_v1),
        kind=Kind.tiktok_v1,
        username="brand",
        now=now,
    )
    with Session(world.deps.engine, expire_on_commit=False) as s:
        owner = factories.workspace(s, now=now)
        factories.source(
            s,
            workspace_id=owner.workspace_id,
            now=now,
            cipher=world.deps.cipher,
            handle="brand",
            open_id=tokens.open_id,
            access_token=tokens.access_token,
        )
        maker = factories.creator(s, workspace_id=owner.workspace_id, now=now, handle="maker")
        mention = factories.mention(s, workspace_id=owner.workspace_id, creator=maker, now=now)
    world.workspace_id, world.user_id, world.mention_id = (
        owner.workspace_id,
        owner.user_id,
        mention.id or 0,
    )


async def test_a_dm_sent_before_a_crash_is_recorded_by_the_job_without_a_second_message(
    sim_world: SimWorld,
) -> None:
    world = sim_world
    await world.sim("POST", "/creators", {"handle": "maker", "dm_setting": "everyone"})
    real = world.deps.gateway(Kind.tiktok_v1)

    class DiesAfterSending:
        kind = Kind.tiktok_v1

        async def send_dm(self, **kw: Any) -> Any:
            await real.send_dm(**kw)
            raise Crash

    with pytest.raises(Crash):
        await rights.submit_request(
            world.deps.db,
            workspace_id=world.workspace_id,
            user_id=world.user_id,
            mention_ids=[world.mention_id],
            message="May we use it?",
            sender_source_id=None,
            now=world.clock.now(),
            gateway=DiesAfterSending(),  # type: ignore[arg-type]
            cipher=world.deps.cipher,
            links=factories.LINKS,
        )
    assert len(await world.messages("maker")) == 1

    world.clock.advance(LEASE + timedelta(seconds=1))
    answer = await runs.run_job_now("retry_queued_dms", world.deps)
    again = await runs.run_job_now("retry_queued_dms", world.deps)

    assert answer["ok"] and answer["result"] == {"tried": 1, "sent": 1, "queued": 0}
    assert again["result"]["tried"] == 0
    messages = await world.messages("maker")
    with Session(world.deps.engine) as session:
        request_id = session.exec(select(RightsRequest.id)).one()
    assert [m["text"] for m in messages] == [
        "May we use it?\n\nhttps://www.tiktok.com/@maker/video/1\n\n"
        + answer_block(factories.LINKS.url(request_id))
    ]
    with Session(world.deps.engine) as s:
        (request,) = s.query(RightsRequest).all()
    assert (request.status, request.sent_at is not None) == ("requested", True)


async def test_the_job_sends_a_friends_only_request_once_the_creator_accepts_everyone(
    sim_world: SimWorld,
) -> None:
    world = sim_world
    await world.sim("POST", "/creators", {"handle": "maker", "dm_setting": "friends"})
    queued = await rights.submit_request(
        world.deps.db,
        workspace_id=world.workspace_id,
        user_id=world.user_id,
        mention_ids=[world.mention_id],
        message="May we use it?",
        sender_source_id=None,
        now=world.clock.now(),
        gateway=world.deps.gateway(Kind.tiktok_v1),
        cipher=world.deps.cipher,
        links=factories.LINKS,
    )
    assert queued.status == "in_queue" and await world.messages("maker") == []

    await world.sim("PATCH", "/creators/maker", {"dm_setting": "everyone"})
    world.clock.advance(timedelta(minutes=15))
    first = await runs.run_job_now("retry_queued_dms", world.deps)
    second = await runs.run_job_now("retry_queued_dms", world.deps)

    assert first["result"]["sent"] == 1 and second["result"]["tried"] == 0
    assert len(await world.messages("maker")) == 1
