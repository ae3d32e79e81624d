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
from sqlmodel import Session
from starlette.applications import Starlette

from archive_app import deps as deps_module
from archive_app.clock import ShiftedClock
from archive_app.deps import Deps
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.jobs import runs
from archive_app.models.mentions import Creator, Mention
from archive_app.models.rights import RightsRequest
from archive_app.models.sources import Source
from archive_app.services import rights, signup
from archive_app.services.rights_send import LEASE
from archive_app.settings import Settings
from archive_app.simulator import simulator_mounts
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
    gateway = world.deps.gateway(Kind.tiktok_v1)
    qr = await gateway.get_qrcode(state="s")
    await world.sim(
        "POST", f"/qr/{qr.token}/scan", {"username": "brand", "client_ticket": qr.ticket}
    )
    await world.sim("POST", f"/qr/{qr.token}/confirm")
    code = (await gateway.check_qrcode(qr)).code
    assert code
    tokens = await gateway.exchange_code(code=code, now=world.clock.now())
    now = world.clock.now()
    with Session(world.deps.engine, expire_on_commit=False) as s:
        owner = signup.sign_up(
            s, email="owner@brand.com", password="owner-pass", workspace_name="Brand", now=now
        )
        source = Source(
            workspace_id=owner.workspace_id,
            kind="tiktok_v1",
            open_id=tokens.open_id,
            handle="brand",
            status="active",
            status_changed_at=now,
            access_token_enc=world.deps.cipher.encrypt(tokens.access_token),
            created_at=now,
        )
        creator = Creator(workspace_id=owner.workspace_id, handle="maker", first_seen_at=now)
        s.add_all([source, creator])
        s.flush()
        mention = Mention(
            workspace_id=owner.workspace_id,
            video_id="v1",
            creator_id=creator.id or 0,
            creator_handle="maker",
            url="https://www.tiktok.com/@maker/video/1",
            posted_at=now,
            first_seen_at=now,
        )
        s.add(mention)
        s.flush()
        world.workspace_id, world.user_id, world.mention_id = (
            owner.workspace_id,
            owner.user_id,
            mention.id or 0,
        )
        s.commit()


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
        )
    assert len(await world.messages("maker")) == 1

    world.clock.advance(LEASE + timedelta(seconds=1))
    answer = await runs.run_job_now("retry_queued_dms", world.deps)
    again = await runs.run_job_now("retry_queued_dms", world.deps)

    assert answer["ok"] and answer["result"] == {"tried": 1, "sent": 1, "queued": 0}
    assert again["result"]["tried"] == 0
    messages = await world.messages("maker")
    assert [m["text"] for m in messages] == [
        "May we use it?\n\nhttps://www.tiktok.com/@maker/video/1"
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
    )
    assert queued.status == "in_queue" and await world.messages("maker") == []

    await world.sim("PATCH", "/creators/maker", {"dm_setting": "everyone"})
    world.clock.advance(timedelta(minutes=15))
    first = await runs.run_job_now("retry_queued_dms", world.deps)
    second = await runs.run_job_now("retry_queued_dms", world.deps)

    assert first["result"]["sent"] == 1 and second["result"]["tried"] == 0
    assert len(await world.messages("maker")) == 1
