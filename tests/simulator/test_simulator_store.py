"""The simulated TikTok lives in the data directory: a restart, or a second worker, sees it."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from archive_app.clock import ShiftedClock
from archive_app.demo_data import DEMO_BRAND, DEMO_CREATORS
from archive_app.integrations.tiktok import Kind, Sent, TokenExpired, TokenSet, gateway_for
from archive_app.settings import Settings
from archive_app.simulator import SimState, create_simulator_app
from archive_app.simulator.store import FILE_NAME
from tests.integrations.tiktok_backends import sim_settings


def webhooks_accepted(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200)


class Worker:
    """One process's simulator (its own clock, as a fresh process has), mounted at /_sim."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.clock = ShiftedClock()
        self.sim = create_simulator_app(
            settings=settings,
            clock=self.clock,
            webhook_transport=httpx.MockTransport(webhooks_accepted),
        )
        self.state: SimState = self.sim.state.sim
        self.transport = httpx.ASGITransport(app=Starlette(routes=[Mount("/_sim", app=self.sim)]))

    @asynccontextmanager
    async def client(self) -> AsyncIterator[httpx.AsyncClient]:
        base = "http://app.test/_sim/control"
        async with httpx.AsyncClient(transport=self.transport, base_url=base) as client:
            yield client

    async def connect(self, username: str) -> TokenSet:
        """The app connects a tiktok_v1 source: QR code, scan, confirm, code for tokens."""
        gateway = gateway_for(Kind.tiktok_v1, self.settings, transport=self.transport)
        qr = await gateway.get_qrcode(state="s")
        async with self.client() as control:
            body = {"username": username, "client_ticket": qr.ticket}
            assert (await control.post(f"/qr/{qr.token}/scan", json=body)).status_code == 200
            assert (await control.post(f"/qr/{qr.token}/confirm")).status_code == 200
        code = (await gateway.check_qrcode(qr)).code
        assert code
        return await gateway.exchange_code(code=code, now=self.clock.now())


async def test_a_restart_finds_accounts_grants_qr_codes_creators_dms_mentions_and_the_clock(
    settings: Settings,
) -> None:
    before = Worker(settings)
    async with before.client() as control:
        await control.post("/accounts", json={"username": "zoe", "display_name": "Zoe"})
        await control.post("/accounts", json={"username": "brandco", "display_name": "Brand Co"})
        tokens = await before.connect("brandco")
        await control.post("/creators", json={"handle": "maya", "dm_setting": "friends"})
        await control.post("/creators/maya/friends", json={"username": "brandco"})
        mention = {"brand_username": "brandco", "creator_handle": "maya", "caption": "hi"}
        assert (await control.post("/mentions", json=mention)).status_code == 201
        await control.post("/clock", json={"advance_seconds": 600})
    gateway = gateway_for(Kind.tiktok_v1, settings, transport=before.transport)
    sent = await gateway.send_dm(
        access_token=tokens.access_token, creator_handle="maya", text="Hello"
    )
    assert isinstance(sent, Sent)
    async with before.client() as control:
        old = (await control.get("/state")).json()
    assert (settings.data_dir / FILE_NAME).exists()
    del before, gateway

    after = Worker(settings)  # `make run` again: a new process, a new clock at offset 0
    assert after.clock.offset >= timedelta(seconds=600), "the clock shift survived"
    async with after.client() as control:
        new = (await control.get("/state")).json()
        messages = (await control.get("/creators/maya/messages")).json()["messages"]
    for part in ("apps", "accounts", "grants", "qr_codes", "creators", "videos", "messages"):
        assert new[part] == old[part], part
    assert new["qr_codes"][0]["status"] == "utilised"
    assert new["creators"][0]["friends"] == ["brandco"]
    assert [m["text"] for m in messages] == ["Hello"]

    # The tokens the app's database holds still work, and rotate, after the restart.
    gateway = gateway_for(Kind.tiktok_v1, settings, transport=after.transport)
    profile = await gateway.profile(access_token=tokens.access_token, open_id=tokens.open_id)
    assert profile.username == "brandco"
    renewed = await gateway.refresh(refresh_token=tokens.refresh_token, now=after.clock.now())
    assert renewed.access_token != tokens.access_token


async def test_two_workers_on_one_data_dir_see_each_others_writes(settings: Settings) -> None:
    one, two = Worker(settings), Worker(settings)
    async with one.client() as control:
        await control.post("/accounts", json={"username": "brandco"})
    tokens = await two.connect("brandco")  # the account made on one logs in through two

    async with one.client() as control:  # the revoke lands on the worker that did not connect
        revoked = await control.post("/accounts/brandco/revoke")
    assert [g["open_id"] for g in revoked.json()["revoked_grants"]] == [tokens.open_id]
    gateway = gateway_for(Kind.tiktok_v1, settings, transport=two.transport)
    with pytest.raises(TokenExpired):
        await gateway.profile(access_token=tokens.access_token, open_id=tokens.open_id)

    async with two.client() as control:
        await control.post("/clock", json={"advance_days": 1})
    async with one.client() as control:
        assert len((await control.get("/state")).json()["webhooks"]) == 1
    assert one.clock.offset >= timedelta(days=1), "one's clock follows the shift made on two"


def test_two_workers_writing_at_once_lose_nothing(settings: Settings) -> None:
    one, two = Worker(settings), Worker(settings)

    def add(state: SimState, prefix: str) -> None:
        for n in range(40):
            state.upsert_account(f"{prefix}{n}", "")

    threads = [threading.Thread(target=add, args=(w.state, p)) for w, p in ((one, "a"), (two, "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with one.state.lock:
        assert len(one.state.accounts) == 80
    with two.state.lock:
        assert set(two.state.accounts) == set(one.state.accounts)


OTHER_PROCESS = """
import sys
from pathlib import Path
from archive_app.clock import ShiftedClock
from tests.integrations.tiktok_backends import sim_settings
from archive_app.simulator import create_simulator_app
settings = sim_settings(3000, Path(sys.argv[1]), public_url="http://app.test")
state = create_simulator_app(settings=settings, clock=ShiftedClock()).state.sim
print("ready", flush=True)
sys.stdin.readline()
for n in range(60):
    state.upsert_account(f"p{n}", "")
"""


def test_a_second_process_writing_at_once_loses_nothing(settings: Settings) -> None:
    command = [sys.executable, "-c", OTHER_PROCESS, str(settings.data_dir)]
    root = Path(__file__).parents[2]
    pipe = subprocess.PIPE
    with subprocess.Popen(command, cwd=root, stdin=pipe, stdout=pipe, text=True) as other:
        assert other.stdin and other.stdout
        here = Worker(settings)
        assert other.stdout.readline().strip() == "ready"
        other.stdin.write("go\n")
        other.stdin.flush()
        for n in range(60):
            here.state.upsert_account(f"h{n}", "")
        assert other.wait(timeout=60) == 0
    with here.state.lock:
        names = set(here.state.accounts)
    assert {f"p{n}" for n in range(60)} | {f"h{n}" for n in range(60)} <= names


def test_the_demo_is_seeded_once_per_data_dir(tmp_path: Path) -> None:
    settings = sim_settings(3000, tmp_path, public_url="http://app.test", seed_demo=True)
    first = Worker(settings)
    videos = len(first.state.videos)
    again = Worker(settings)  # a restart, or the second worker starting
    with again.state.lock:
        assert len(again.state.videos) == videos > 0
        assert DEMO_BRAND in again.state.accounts
        assert set(again.state.creators) == set(DEMO_CREATORS)
