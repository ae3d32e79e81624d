"""The consent page, the "phone", seeding per mode, and no simulator in production."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from archive_app.clock import ShiftedClock
from archive_app.integrations.tiktok import (
    Kind,
    QrState,
    Queued,
    QueueReason,
    gateway_for,
    queue_reason_text,
)
from archive_app.integrations.tiktok.creator_login import creator_login_for
from archive_app.settings import Mode, Settings
from archive_app.simulator import create_simulator_app, simulator_enabled, simulator_mounts
from tests.integrations.tiktok_backends import sim_settings
from tests.production_settings import production_settings


def client_for(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app.test")


@pytest.fixture
async def sim(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=simulator_mounts(settings, clock=ShiftedClock()))
    async with client_for(app) as client:
        await client.post("/_sim/control/accounts", json={"username": "brandco"})
        yield client


async def test_consent_page_lists_scopes_and_authorize_redirects_with_code(
    settings: Settings, sim: httpx.AsyncClient
) -> None:
    url = gateway_for(Kind.tiktok_v2, settings).authorize_url(state="xyz")
    page = await sim.get(url)
    assert page.status_code == 200
    for scope in ("user.info.basic", "biz.mention.list"):
        assert f"<li>{scope}</li>" in page.text
    assert '<button type="submit" name="decision" value="authorize">Authorize</button>' in page.text
    assert ">Cancel</button>" in page.text
    assert '<label for="username">' in page.text

    answer = await sim.post(url, data={"username": "brandco", "decision": "authorize"})
    assert answer.status_code == 303
    location = httpx.URL(answer.headers["location"])
    assert str(location).startswith(settings.tiktok_redirect_uri)
    assert location.params["state"] == "xyz" and location.params["code"]


async def test_cancel_redirects_with_access_denied(
    settings: Settings, sim: httpx.AsyncClient
) -> None:
    url = gateway_for(Kind.tiktok_v2, settings).authorize_url(state="xyz")
    answer = await sim.post(url, data={"decision": "cancel"})
    location = httpx.URL(answer.headers["location"])
    assert location.params["error"] == "access_denied" and location.params["state"] == "xyz"
    assert "code" not in location.params


async def test_authorize_as_an_unknown_account_explains(
    settings: Settings, sim: httpx.AsyncClient
) -> None:
    url = gateway_for(Kind.tiktok_v2, settings).authorize_url(state="xyz")
    answer = await sim.post(url, data={"username": "nobody", "decision": "authorize"})
    assert answer.status_code == 404 or answer.status_code == 400
    assert "No TikTok account @nobody" in answer.text


async def test_phone_page_confirm_logs_in_and_deny_ends_the_code(
    settings: Settings, sim: httpx.AsyncClient
) -> None:
    gateway = gateway_for(Kind.tiktok_v1, settings, transport=sim._transport)
    qr = await gateway.get_qrcode(state="s")
    assert qr.scan_url.startswith("http://app.test/_sim/phone/qr/")
    page = await sim.get(qr.scan_url)
    assert ">Confirm</button>" in page.text and ">Deny</button>" in page.text
    assert (await gateway.check_qrcode(qr)).state is QrState.scanned
    done = await sim.post(qr.scan_url, data={"username": "brandco", "decision": "confirm"})
    assert done.status_code == 200
    status = await gateway.check_qrcode(qr)
    assert status.state is QrState.confirmed and status.code

    other = await gateway.get_qrcode(state="s")
    await sim.get(other.scan_url)
    await sim.post(other.scan_url, data={"decision": "deny"})
    assert (await gateway.check_qrcode(other)).state is QrState.expired
    await gateway.aclose()


async def test_test_mode_seeds_only_the_two_apps(settings: Settings) -> None:
    app = create_simulator_app(settings=settings, clock=ShiftedClock())
    async with client_for(app) as client:
        state = (await client.get("/control/state")).json()
    assert {(a["kind"], a["client_key"]) for a in state["apps"]} == {
        ("tiktok_v1", settings.tiktok_v1_client_key),
        ("tiktok_v2", settings.tiktok_v2_client_key),
    }
    assert state["accounts"] == [] and state["creators"] == [] and state["videos"] == []


async def test_demo_mode_seeds_a_brand_creators_and_videos(tmp_path: Path) -> None:
    settings = sim_settings(3000, tmp_path, mode=Mode.demo)
    app = create_simulator_app(settings=settings, clock=ShiftedClock())
    async with client_for(app) as client:
        state = (await client.get("/control/state")).json()
    [brand] = state["accounts"]
    assert (brand["username"], brand["display_name"]) == ("demobrand", "Demo Brand")
    assert state["grants"] == [], "exists but is not connected"
    settings_seen = {c["dm_setting"] for c in state["creators"]}
    assert settings_seen == {"everyone", "friends", "suggested_friends", "no_one"}
    assert len(state["videos"]) >= 24
    assert all(v["brand_username"] == "demobrand" for v in state["videos"])


def production(tmp_path: Path) -> Settings:
    return production_settings(tmp_path)


async def test_production_does_not_serve_the_simulator(tmp_path: Path) -> None:
    prod = production(tmp_path)
    assert not simulator_enabled(prod)
    assert simulator_mounts(prod, clock=ShiftedClock()) == []
    app = Starlette(routes=simulator_mounts(prod, clock=ShiftedClock()))
    async with client_for(app) as client:
        for path in ("/_sim/control/state", "/_sim/www/v2/auth/authorize/", "/_sim/phone/qr/x"):
            assert (await client.get(path)).status_code == 404
    with pytest.raises(RuntimeError, match="production"):
        create_simulator_app(settings=prod, clock=ShiftedClock())


async def test_production_without_a_dm_channel_queues_with_an_actionable_reason(
    tmp_path: Path,
) -> None:
    prod = production(tmp_path)
    assert prod.tiktok_dm_base_url == ""
    assert prod.tiktok_login_base_url == "https://open.tiktokapis.com"

    def no_network(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"no request expected, got {request.url}")

    gateway = gateway_for(Kind.tiktok_v1, prod, transport=httpx.MockTransport(no_network))
    result = await gateway.send_dm(access_token="act.x", creator_handle="c", text="hi")
    assert result == Queued(QueueReason.no_relay)
    assert "TikTok app" in queue_reason_text(QueueReason.no_relay, handle="c")
    await gateway.aclose()


async def test_a_known_creator_logs_in_for_the_approval_page_without_a_seeded_account(
    settings: Settings, sim: httpx.AsyncClient
) -> None:
    await sim.post("/_sim/control/creators", json={"handle": "maya", "dm_setting": "everyone"})
    login = creator_login_for(settings, transport=sim._transport)
    assert login is not None
    url = login.authorize_url(state="abc")
    answer = await sim.post(url, data={"username": "maya", "decision": "authorize"})
    assert answer.status_code == 303
    assert httpx.URL(answer.headers["location"]).params["code"]
    # A brand login (other scopes) still needs the account to exist.
    brand = gateway_for(Kind.tiktok_v2, settings).authorize_url(state="xyz")
    refused = await sim.post(brand, data={"username": "lina", "decision": "authorize"})
    assert refused.status_code in (400, 404) and "No TikTok account @lina" in refused.text
