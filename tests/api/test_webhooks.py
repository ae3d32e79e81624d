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
from archive_app.settings import Settings
from tests.conftest import build_test_deps

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class Received(list[TikTokEvent]):
    fail_next = False

    async def __call__(self, event: TikTokEvent) -> None:
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("handler broke")
        self.append(event)


@pytest.fixture
def received() -> Received:
    return Received()


@pytest.fixture
async def client(
    test_settings: Settings, engine: Engine, received: Received
) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(
        routes=webhook_routes(
            build_test_deps(engine, test_settings, clock=FixedClock(NOW)), on_event=received
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
    client: httpx.AsyncClient, test_settings: Settings, received: Received, engine: Engine
) -> None:
    raw = removal(test_settings)
    response = await client.post(
        "/webhooks/tiktok", content=raw, headers=headers(test_settings, raw)
    )
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
    client: httpx.AsyncClient, test_settings: Settings, received: Received
) -> None:
    raw = removal(test_settings)
    for _ in range(3):
        response = await client.post(
            "/webhooks/tiktok", content=raw, headers=headers(test_settings, raw)
        )
        assert response.status_code == 200
    assert response.json()["status"] == "duplicate"
    assert len(received) == 1


async def test_tampered_body_is_rejected_and_not_handled(
    client: httpx.AsyncClient, test_settings: Settings, received: Received
) -> None:
    raw = removal(test_settings)
    response = await client.post(
        "/webhooks/tiktok",
        content=removal(test_settings, reason=4),
        headers=headers(test_settings, raw),
    )
    assert response.status_code == 401
    assert received == []


async def test_wrong_secret_is_rejected(
    client: httpx.AsyncClient, test_settings: Settings, received: Received
) -> None:
    raw = removal(test_settings)
    response = await client.post(
        "/webhooks/tiktok", content=raw, headers=headers(test_settings, raw, secret="guessed")
    )
    assert response.status_code == 401
    assert received == []


async def test_stale_timestamp_is_rejected(
    client: httpx.AsyncClient, test_settings: Settings, received: Received
) -> None:
    raw = removal(test_settings)
    stale = headers(test_settings, raw, at=NOW - timedelta(minutes=6))
    response = await client.post("/webhooks/tiktok", content=raw, headers=stale)
    assert response.status_code == 401
    assert "5-minute" in response.json()["error"]
    assert received == []


async def test_failed_handler_lets_the_redelivery_try_again(
    client: httpx.AsyncClient, test_settings: Settings, received: Received
) -> None:
    raw = removal(test_settings)
    received.fail_next = True
    first = await client.post("/webhooks/tiktok", content=raw, headers=headers(test_settings, raw))
    assert first.status_code == 500
    second = await client.post("/webhooks/tiktok", content=raw, headers=headers(test_settings, raw))
    assert second.status_code == 200 and second.json()["status"] == "ok"
    assert len(received) == 1


# Hardening (issue 11, item 6): strangers get a 4xx with a fixed sentence, never a 500.


def _no_event_remembered(engine: Engine) -> bool:
    with Session(engine) as session:
        return session.exec(select(WebhookEvent)).all() == []


@pytest.mark.parametrize(
    "header",
    [
        "t=1" + "0" * 400 + ",s=" + "0" * 64,
        f"t={int(NOW.timestamp())},s=" + "é" * 64,
        "t=" + "9" * 5000 + ",s=00",
    ],
    ids=["400-digit t", "non-ASCII s", "5000-digit t"],
)
async def test_absurd_signature_headers_get_401_not_500(
    client: httpx.AsyncClient, test_settings: Settings, received: Received, header: str
) -> None:
    # httpx would refuse to send "é" in a header as str; bytes go through as latin-1.
    response = await client.post(
        "/webhooks/tiktok",
        content=removal(test_settings),
        headers={"Tiktok-Signature": header.encode("utf-8")},
    )
    assert response.status_code == 401
    assert response.json() == {"error": "malformed Tiktok-Signature header"}
    assert received == []


SIGNED_NON_EVENTS = {
    "huge create_time": b'{"event": "authorization.removed", "create_time": 1' + b"0" * 30 + b"}",
    "1e400 create_time": b'{"event": "authorization.removed", "create_time": 1e400}',
    "100k nested lists": b"[" * 100_000 + b"]" * 100_000,
    "a list": b'[{"event": "authorization.removed"}]',
    "not JSON": b"event=authorization.removed",
    "NUL in the open id": b'{"event": "authorization.removed", "user_openid": "a\\u0000b"}',
}


@pytest.mark.parametrize("raw", SIGNED_NON_EVENTS.values(), ids=SIGNED_NON_EVENTS.keys())
async def test_a_signed_body_that_is_not_an_event_gets_400_with_a_fixed_sentence(
    client: httpx.AsyncClient,
    test_settings: Settings,
    received: Received,
    engine: Engine,
    raw: bytes,
) -> None:
    response = await client.post(
        "/webhooks/tiktok", content=raw, headers=headers(test_settings, raw)
    )
    assert response.status_code == 400
    assert response.json() == {"error": "webhook body is not a TikTok event"}
    assert received == [] and _no_event_remembered(engine)


class CountingBody:
    """A request body handed out in 64 KB chunks, counting how much the app pulled."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.total, self.chunk, self.pulled = total, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.pulled < self.total:
            size = min(self.chunk, self.total - self.pulled)
            self.pulled += size
            yield b" " * size


async def test_a_body_declared_over_1_mb_gets_413_before_a_byte_is_read(
    client: httpx.AsyncClient, test_settings: Settings, received: Received
) -> None:
    body = CountingBody(2 * 1024 * 1024)
    response = await client.post(
        "/webhooks/tiktok",
        content=body,
        headers={"Content-Length": str(body.total), **headers(test_settings, b"")},
    )
    assert response.status_code == 413
    assert response.json() == {"error": "webhook body is larger than 1 MB"}
    assert body.pulled == 0
    assert received == []


async def test_a_chunked_body_without_length_is_cut_off_at_1_mb(
    client: httpx.AsyncClient, test_settings: Settings, received: Received
) -> None:
    body = CountingBody(50 * 1024 * 1024)
    response = await client.post(
        "/webhooks/tiktok", content=body, headers=headers(test_settings, b"")
    )
    assert response.status_code == 413
    assert response.json() == {"error": "webhook body is larger than 1 MB"}
    assert body.pulled <= 1024 * 1024 + 2 * body.chunk
    assert received == []


async def test_a_body_of_exactly_1_mb_is_still_read(
    client: httpx.AsyncClient, test_settings: Settings, received: Received
) -> None:
    raw = removal(test_settings)
    padded = raw + b" " * (1024 * 1024 - len(raw))  # JSON allows trailing whitespace
    response = await client.post(
        "/webhooks/tiktok", content=padded, headers=headers(test_settings, padded)
    )
    assert response.status_code == 200 and len(received) == 1


@pytest.mark.parametrize("length", ["abc", "-1", "1e9", "١٠"])
async def test_a_content_length_that_is_not_a_number_gets_400(
    client: httpx.AsyncClient, test_settings: Settings, length: str
) -> None:
    response = await client.post(
        "/webhooks/tiktok",
        content=CountingBody(10),
        headers={"Content-Length": length.encode(), **headers(test_settings, b"")},
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Content-Length is not a number"}
