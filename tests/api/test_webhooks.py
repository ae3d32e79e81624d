"""POST /webhooks/tiktok: signature first, then once-only delivery to the handler."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.applications import Starlette

from archive_app.api.webhooks import webhook_routes
from archive_app.clock import FixedClock
from archive_app.integrations.tiktok import AuthorizationRemoved, TikTokEvent
from archive_app.integrations.tiktok.webhooks import signature
from archive_app.models.webhooks import WebhookEvent
from archive_app.settings import Mode, Settings

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class Received(list[TikTokEvent]):
    fail_next = False

    async def __call__(self, event: TikTokEvent) -> None:
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("handler broke")
        self.append(event)


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None, mode=Mode.test)  # type: ignore[call-arg]


@pytest.fixture
def received() -> Received:
    return Received()


@pytest.fixture
async def client(
    settings: Settings, engine: Engine, received: Received
) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(
        routes=webhook_routes(
            settings=settings,
            engine_factory=lambda: engine,
            on_event=received,
            clock=FixedClock(NOW),
        )
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app"
    ) as c:
        yield c


def removal(settings: Settings, reason: int = 1) -> bytes:
    return json.dumps(
        {
            "client_key": settings.tiktok_v1_client_key,
            "event": "authorization.removed",
            "create_time": int(NOW.timestamp()),
            "user_openid": "oid-brand",
            "content": json.dumps({"reason": reason}),
        }
    ).encode()


def headers(
    settings: Settings, raw: bytes, *, secret: str = "", at: datetime = NOW
) -> dict[str, str]:
    key = secret or settings.tiktok_v1_client_secret.get_secret_value()
    return {"Tiktok-Signature": signature(key, raw, int(at.timestamp()))}


async def test_valid_webhook_reaches_the_handler_and_is_remembered(
    client: httpx.AsyncClient, settings: Settings, received: Received, engine: Engine
) -> None:
    raw = removal(settings)
    response = await client.post("/webhooks/tiktok", content=raw, headers=headers(settings, raw))
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert len(received) == 1
    event = received[0]
    assert isinstance(event, AuthorizationRemoved)
    assert event.reason == "Access was revoked in the TikTok app"
    with Session(engine) as session:
        rows = session.exec(select(WebhookEvent)).all()
    assert [r.event_id for r in rows] == [event.event_id]
    assert rows[0].received_at == NOW


async def test_replay_is_acknowledged_but_handled_once(
    client: httpx.AsyncClient, settings: Settings, received: Received
) -> None:
    raw = removal(settings)
    for _ in range(3):
        response = await client.post(
            "/webhooks/tiktok", content=raw, headers=headers(settings, raw)
        )
        assert response.status_code == 200
    assert response.json()["status"] == "duplicate"
    assert len(received) == 1


async def test_tampered_body_is_rejected_and_not_handled(
    client: httpx.AsyncClient, settings: Settings, received: Received
) -> None:
    raw = removal(settings)
    response = await client.post(
        "/webhooks/tiktok", content=removal(settings, reason=4), headers=headers(settings, raw)
    )
    assert response.status_code == 401
    assert received == []


async def test_wrong_secret_is_rejected(
    client: httpx.AsyncClient, settings: Settings, received: Received
) -> None:
    raw = removal(settings)
    response = await client.post(
        "/webhooks/tiktok", content=raw, headers=headers(settings, raw, secret="guessed")
    )
    assert response.status_code == 401
    assert received == []


async def test_stale_timestamp_is_rejected(
    client: httpx.AsyncClient, settings: Settings, received: Received
) -> None:
    raw = removal(settings)
    stale = headers(settings, raw, at=NOW - timedelta(minutes=6))
    response = await client.post("/webhooks/tiktok", content=raw, headers=stale)
    assert response.status_code == 401
    assert "5-minute" in response.json()["error"]
    assert received == []


async def test_failed_handler_lets_the_redelivery_try_again(
    client: httpx.AsyncClient, settings: Settings, received: Received
) -> None:
    raw = removal(settings)
    received.fail_next = True
    first = await client.post("/webhooks/tiktok", content=raw, headers=headers(settings, raw))
    assert first.status_code == 500
    second = await client.post("/webhooks/tiktok", content=raw, headers=headers(settings, raw))
    assert second.status_code == 200 and second.json()["status"] == "ok"
    assert len(received) == 1
