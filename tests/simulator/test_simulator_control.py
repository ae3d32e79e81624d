"""The simulator's control API plays the TikTok side: revoke, clock, creators, DMs, failures."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.routing import Mount

from archive_app.api.webhooks import webhook_routes
from archive_app.clock import ShiftedClock
from archive_app.deps import build_deps
from archive_app.integrations.tiktok import (
    AuthorizationRemoved,
    DmSend,
    GrantRevoked,
    Kind,
    QrState,
    Queued,
    QueueReason,
    Sent,
    TikTokEvent,
    TikTokGateway,
    TokenExpired,
    TokenSet,
    TransientError,
    gateway_for,
)
from archive_app.settings import Settings
from archive_app.simulator import create_simulator_app
from tests.integrations.tiktok_backends import Sleeps, UvicornThread, sim_settings
from tests.ports import free_port


@dataclass
class World:
    """The app's webhook route and the simulator in one ASGI app, sharing one clock."""

    settings: Settings
    clock: ShiftedClock
    control: httpx.AsyncClient
    transport: httpx.AsyncBaseTransport
    received: list[TikTokEvent]
    sleeps: Sleeps

    def gateway(self, kind: Kind) -> TikTokGateway:
        # Over ASGITransport no sockets are opened, so nothing needs closing.
        return gateway_for(kind, self.settings, transport=self.transport, sleep=self.sleeps)

    async def post(self, path: str, body: dict[str, object] | None = None) -> httpx.Response:
        return await self.control.post(f"/_sim/control{path}", json=body or {})

    async def connect(self, kind: Kind, username: str) -> TokenSet:
        await self.post("/accounts", {"username": username, "display_name": username.title()})
        gateway = self.gateway(kind)
        if kind is Kind.tiktok_v1:
            qr = await gateway.get_qrcode(state="s")
            await self.post(
                f"/qr/{qr.token}/scan", {"username": username, "client_ticket": qr.ticket}
            )
            await self.post(f"/qr/{qr.token}/confirm")
            code = (await gateway.check_qrcode(qr)).code
        else:
            url = gateway.authorize_url(state="s")
            answer = await self.control.post(
                url, data={"username": username, "decision": "authorize"}
            )
            code = httpx.URL(answer.headers["location"]).params["code"]
        assert code
        return await gateway.exchange_code(code=code, now=self.clock.now())


@pytest.fixture
async def world(tmp_path: Path, engine: Engine) -> AsyncIterator[World]:
    settings = sim_settings(3000, tmp_path, public_url="http://app.test")
    clock = ShiftedClock()
    received: list[TikTokEvent] = []

    async def on_event(event: TikTokEvent) -> None:
        received.append(event)

    routes = webhook_routes(build_deps(settings, engine=engine, clock=clock), on_event=on_event)
    app = Starlette(routes=routes)
    # The simulator delivers webhooks to the app over this transport, as over the network.
    app_transport = httpx.ASGITransport(app=app)
    sim = create_simulator_app(settings=settings, clock=clock, webhook_transport=app_transport)
    app.router.routes.append(Mount("/_sim", app=sim))
    async with httpx.AsyncClient(transport=app_transport, base_url="http://app.test") as control:
        yield World(settings, clock, control, app_transport, received, Sleeps())


@pytest.mark.parametrize("kind", [Kind.tiktok_v1, Kind.tiktok_v2])
async def test_revoke_kills_tokens_and_delivers_a_signed_webhook_the_app_accepts(
    world: World, kind: Kind
) -> None:
    tokens = await world.connect(kind, "brandco")
    response = await world.post("/accounts/brandco/revoke")
    assert response.status_code == 200
    body = response.json()
    assert [g["open_id"] for g in body["revoked_grants"]] == [tokens.open_id]
    [delivery] = body["webhooks"]
    assert delivery["status_code"] == 200, delivery  # the app's verifier accepted it
    assert delivery["event"] == "authorization.removed"

    [event] = world.received
    assert isinstance(event, AuthorizationRemoved)
    assert event.kind is kind and event.user_openid == tokens.open_id
    assert event.reason == "Access was revoked in the TikTok app"

    gateway = world.gateway(kind)
    with pytest.raises(TokenExpired):
        await gateway.profile(access_token=tokens.access_token, open_id=tokens.open_id)
    state = (await world.control.get("/_sim/control/state")).json()
    assert state["webhooks"][0]["status_code"] == 200


@pytest.mark.parametrize("kind", [Kind.tiktok_v1, Kind.tiktok_v2])
async def test_invalidate_refresh_refuses_the_refresh_token_keeps_access_and_sends_no_webhook(
    world: World, kind: Kind
) -> None:
    tokens = await world.connect(kind, "brandco")
    response = await world.post("/accounts/brandco/invalidate_refresh")
    assert response.status_code == 200
    assert [g["open_id"] for g in response.json()["grants"]] == [tokens.open_id]
    gateway = world.gateway(kind)
    with pytest.raises(GrantRevoked):
        await gateway.refresh(refresh_token=tokens.refresh_token, now=world.clock.now())
    profile = await gateway.profile(access_token=tokens.access_token, open_id=tokens.open_id)
    assert profile.username == "brandco"
    assert world.received == []
    assert (await world.control.get("/_sim/control/state")).json()["webhooks"] == []


async def test_clock_advance_expires_access_then_the_whole_grant(world: World) -> None:
    tokens = await world.connect(Kind.tiktok_v1, "brandco")
    gateway = world.gateway(Kind.tiktok_v1)
    before = world.clock.now()
    moved = await world.post("/clock", {"advance_days": 1})
    assert moved.status_code == 200
    assert world.clock.now() - before >= timedelta(days=1), "the app's clock moved too"

    with pytest.raises(TokenExpired):
        await gateway.profile(access_token=tokens.access_token, open_id=tokens.open_id)
    renewed = await gateway.refresh(refresh_token=tokens.refresh_token, now=world.clock.now())
    profile = await gateway.profile(access_token=renewed.access_token, open_id=renewed.open_id)
    assert profile.username == "brandco"
    # Refreshing does not stretch the grant: it still ends when TikTok first said.
    assert abs((renewed.refresh_expires_at - tokens.refresh_expires_at).total_seconds()) < 5

    await world.post("/clock", {"advance_days": 180})
    with pytest.raises(GrantRevoked):
        await gateway.refresh(refresh_token=renewed.refresh_token, now=world.clock.now())


async def test_business_refresh_after_the_grant_ended_asks_for_reconnect(world: World) -> None:
    tokens = await world.connect(Kind.tiktok_v2, "brandco")
    await world.post("/clock", {"advance_days": 366})  # Business refresh tokens last 365 days
    with pytest.raises(GrantRevoked) as raised:
        await world.gateway(Kind.tiktok_v2).refresh(
            refresh_token=tokens.refresh_token, now=world.clock.now()
        )
    assert raised.value.code == 40103
    assert "reconnect" in raised.value.reason


async def test_clock_refuses_to_go_back(world: World) -> None:
    response = await world.post("/clock", {"advance_days": -1})
    assert response.status_code == 400


async def test_friends_rule_and_received_messages(world: World) -> None:
    tokens = await world.connect(Kind.tiktok_v1, "brandco")
    gateway = world.gateway(Kind.tiktok_v1)
    created = await world.post("/creators", {"handle": "pal", "dm_setting": "friends"})
    assert created.json() == {"handle": "pal", "dm_setting": "friends", "friends": []}

    first = await gateway.send_dm(access_token=tokens.access_token, creator_handle="pal", text="hi")
    assert isinstance(first, Queued) and first.reason is QueueReason.creator_dm_setting

    friended = await world.post("/creators/pal/friends", {"username": "brandco"})
    assert friended.json()["friends"] == ["brandco"]
    second = await gateway.send_dm(
        access_token=tokens.access_token, creator_handle="pal", text="hi"
    )
    assert isinstance(second, Sent)

    patched = await world.control.patch("/_sim/control/creators/pal", json={"dm_setting": "no_one"})
    assert patched.json()["dm_setting"] == "no_one"
    third = await gateway.send_dm(access_token=tokens.access_token, creator_handle="pal", text="x")
    assert isinstance(third, Queued)

    messages = (await world.control.get("/_sim/control/creators/pal/messages")).json()
    assert [(m["sender_username"], m["text"]) for m in messages["messages"]] == [("brandco", "hi")]


async def test_v2_cannot_send_dms(world: World) -> None:
    # Not a send that fails: a v.2 gateway has no DM capability at all (kinds.py).
    assert not isinstance(world.gateway(Kind.tiktok_v2), DmSend)
    assert isinstance(world.gateway(Kind.tiktok_v1), DmSend)


async def test_v2_sees_tag_only_mentions_that_v1_misses(world: World) -> None:
    v1 = await world.connect(Kind.tiktok_v1, "brandco")
    v2 = await world.connect(Kind.tiktok_v2, "brandco")
    for caption, tag_only in [("says @brandco", False), ("only tagged", True)]:
        body = {"brand_username": "brandco", "creator_handle": "c", "caption": caption}
        assert (await world.post("/mentions", {**body, "tag_only": tag_only})).status_code == 201
    seen_v1 = await world.gateway(Kind.tiktok_v1).mentions(
        access_token=v1.access_token, open_id=v1.open_id
    )
    seen_v2 = await world.gateway(Kind.tiktok_v2).mentions(
        access_token=v2.access_token, open_id=v2.open_id
    )
    assert [v.caption for v in seen_v1.videos] == ["says @brandco"]
    assert sorted(v.caption for v in seen_v2.videos) == ["only tagged", "says @brandco"]
    # Covers are served by the simulator itself (real JPEGs, simulator/media.py), offline.
    thumbnail = await world.control.get(seen_v2.videos[0].thumbnail_url)
    assert thumbnail.status_code == 200
    assert thumbnail.headers["content-type"] == "image/jpeg"


async def test_server_errors_are_retried_then_transient(world: World) -> None:
    tokens = await world.connect(Kind.tiktok_v2, "brandco")
    endpoint = "/business/mention/video/list/"
    failure = await world.post(
        "/failures", {"endpoint": endpoint, "mode": "server_error", "count": 3}
    )
    assert failure.json() == {"endpoint": endpoint, "mode": "server_error", "remaining": 3}
    with pytest.raises(TransientError):
        await world.gateway(Kind.tiktok_v2).mentions(
            access_token=tokens.access_token, open_id=tokens.open_id
        )
    assert len(world.sleeps) == world.settings.tiktok_max_retries


async def test_control_errors_say_what_is_wrong(world: World) -> None:
    bad = await world.post("/creators", {"handle": "x", "dm_setting": "sometimes"})
    assert bad.status_code == 400 and "everyone" in bad.json()["error"]
    missing = await world.post("/qr/nope/confirm")
    assert missing.status_code == 404
    unknown = await world.post("/accounts/ghost/revoke")
    assert unknown.status_code == 404 and "ghost" in unknown.json()["error"]


async def test_timeouts_become_transient_errors(tmp_path: Path) -> None:
    """Over real sockets: the simulator stalls longer than the client waits."""
    port = free_port()
    settings = sim_settings(port, tmp_path, tiktok_timeout_seconds=0.2, tiktok_max_retries=1)
    sim = create_simulator_app(settings=settings, clock=ShiftedClock())
    with UvicornThread(Starlette(routes=[Mount("/_sim", app=sim)]), port):
        async with httpx.AsyncClient(base_url=f"{settings.public_url}/_sim") as control:
            body = {"endpoint": "/open/v2/oauth/get_qrcode/", "mode": "timeout", "count": 1}
            assert (await control.post("/control/failures", json=body)).status_code == 201
        sleeps = Sleeps()
        gateway = gateway_for(Kind.tiktok_v1, settings, sleep=sleeps)
        qr = await gateway.get_qrcode(state="s")  # first attempt times out, the retry works
        assert len(sleeps) == 1
        assert (await gateway.check_qrcode(qr)).state is QrState.new
        await gateway.aclose()


async def test_a_repeated_dm_idempotency_key_answers_the_first_message_and_sends_nothing(
    world: World,
) -> None:
    tokens = await world.connect(Kind.tiktok_v1, "brandco")
    gateway = world.gateway(Kind.tiktok_v1)
    await world.post("/creators", {"handle": "pal", "dm_setting": "friends"})

    refused = await gateway.send_dm(
        access_token=tokens.access_token, creator_handle="pal", text="hi", idempotency_key="k1"
    )
    assert isinstance(refused, Queued)  # a refusal does not use the key up
    await world.post("/creators/pal/friends", {"username": "brandco"})
    first = await gateway.send_dm(
        access_token=tokens.access_token, creator_handle="pal", text="hi", idempotency_key="k1"
    )
    again = await gateway.send_dm(
        access_token=tokens.access_token, creator_handle="pal", text="hi", idempotency_key="k1"
    )
    other = await gateway.send_dm(
        access_token=tokens.access_token, creator_handle="pal", text="hi", idempotency_key="k2"
    )
    assert isinstance(first, Sent) and isinstance(again, Sent) and isinstance(other, Sent)
    assert again.message_id == first.message_id != other.message_id

    messages = (await world.control.get("/_sim/control/creators/pal/messages")).json()
    assert [m["message_id"] for m in messages["messages"]] == [first.message_id, other.message_id]


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example", "Content-Type": "text/plain"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
    ],
)
async def test_a_cross_site_request_to_the_control_api_is_refused_and_changes_nothing(
    world: World, headers: dict[str, str]
) -> None:
    """Issue 18: another site's page could play TikTok's side (revoke, add mentions, ...)."""
    added = await world.control.post(
        "/_sim/control/accounts", content=b'{"username": "evil"}', headers=headers
    )
    state = await world.control.get("/_sim/control/state", headers=headers)
    own = await world.control.get("/_sim/control/state", headers={"Origin": "http://app.test"})
    assert (added.status_code, state.status_code, own.status_code) == (403, 403, 200)
    assert "evil" not in json.dumps(own.json()["accounts"])
