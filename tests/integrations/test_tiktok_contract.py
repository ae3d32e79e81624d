"""One contract, two TikToks: the same assertions against the simulator (real HTTP) and against
example payloads written from TIKTOK.md (httpx.MockTransport; not recordings of TikTok, see
payloads/README.md). If the simulator drifts from TikTok's shapes, or the client stops
understanding either, one side fails.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from archive_app.integrations.tiktok import (
    CAPABILITIES,
    KIND_GATEWAYS,
    ConsentLogin,
    GrantRevoked,
    Kind,
    QrLogin,
    QrState,
    QrTicketMismatch,
    Queued,
    QueueReason,
    Sent,
    TikTokGateway,
    TokenExpired,
    TokenSet,
    TransientError,
    capabilities_of,
    queue_reason_text,
    spec,
)
from tests.integrations.tiktok_backends import MENTION_CAPTIONS, ExampleBackend, SimulatorBackend

Backend = SimulatorBackend | ExampleBackend
BOTH_KINDS = pytest.mark.parametrize("kind", [Kind.tiktok_v1, Kind.tiktok_v2])


def brand_name() -> str:
    return f"brand{uuid.uuid4().hex[:8]}"


async def connect(backend: Backend, gateway: TikTokGateway, username: str) -> TokenSet:
    """The whole connection flow of the gateway's kind, TikTok side played by the backend."""
    await backend.create_account(username)
    if isinstance(gateway, QrLogin):
        qr = await gateway.get_qrcode(state="st-" + username)
        await backend.phone_confirms(qr, username)
        status = await gateway.check_qrcode(qr)
        assert status.state is QrState.confirmed and status.code
        code = status.code
    else:
        assert isinstance(gateway, ConsentLogin)
        code = await backend.consent(gateway, username, "st-" + username)
    return await gateway.exchange_code(code=code, now=backend.clock.now())


@BOTH_KINDS
async def test_each_kind_has_exactly_the_capabilities_of_its_kinds_row(
    backend: Backend, kind: Kind
) -> None:
    """No stub that raises: a capability the kind lacks is a method the gateway does not have."""
    gateway = backend.gateway(kind)
    assert gateway.kind is kind
    assert capabilities_of(gateway) == spec(kind).capabilities
    # The static type ``gateway_for`` returns for the kind promises the same set.
    promised = {cap for cap, proto in CAPABILITIES.items() if proto in KIND_GATEWAYS[kind].__mro__}
    assert promised == spec(kind).capabilities
    for cap in set(CAPABILITIES) - spec(kind).capabilities:
        assert not isinstance(gateway, CAPABILITIES[cap]), cap


async def test_qr_login_happy_path(backend: Backend) -> None:
    gateway = backend.gateway(Kind.tiktok_v1)
    username = brand_name()
    await backend.create_account(username)

    qr = await gateway.get_qrcode(state="state-1")
    assert "tobefilled" not in qr.scan_url
    assert f"client_ticket={qr.ticket}" in qr.scan_url
    assert (await gateway.check_qrcode(qr)).state is QrState.new

    await backend.phone_confirms(qr, username)
    status = await gateway.check_qrcode(qr)
    assert status.state is QrState.confirmed
    assert status.code

    tokens = await gateway.exchange_code(code=status.code, now=backend.clock.now())
    profile = await gateway.profile(access_token=tokens.access_token, open_id=tokens.open_id)
    assert profile.username == username
    assert profile.open_id == tokens.open_id


async def test_qr_code_expires_and_a_new_one_is_issued(backend: Backend) -> None:
    gateway = backend.gateway(Kind.tiktok_v1)
    qr = await gateway.get_qrcode(state="state-1")
    await backend.expire_qr(qr)
    assert (await gateway.check_qrcode(qr)).state is QrState.expired
    fresh = await gateway.get_qrcode(state="state-1")
    assert fresh.token != qr.token and fresh.ticket != qr.ticket
    assert (await gateway.check_qrcode(fresh)).state is QrState.new


async def test_confirmation_with_another_ticket_is_refused(backend: Backend) -> None:
    gateway = backend.gateway(Kind.tiktok_v1)
    username = brand_name()
    await backend.create_account(username)
    qr = await gateway.get_qrcode(state="state-1")
    await backend.phone_confirms(qr, username, ticket="someone-elses-ticket")
    with pytest.raises(QrTicketMismatch):
        await gateway.check_qrcode(qr)


@BOTH_KINDS
async def test_code_exchange_gives_absolute_expiry_instants(backend: Backend, kind: Kind) -> None:
    gateway = backend.gateway(kind)
    before = backend.clock.now()
    tokens = await connect(backend, gateway, brand_name())
    assert tokens.access_token and tokens.refresh_token and tokens.open_id
    assert tokens.access_expires_at.tzinfo is not None
    lifetime = (tokens.access_expires_at - before).total_seconds()
    assert abs(lifetime - backend.access_seconds(kind)) < 5
    assert tokens.refresh_expires_at - tokens.access_expires_at > timedelta(days=170)


@BOTH_KINDS
async def test_refresh_rotates_and_the_old_refresh_token_is_refused(
    backend: Backend, kind: Kind
) -> None:
    gateway = backend.gateway(kind)
    tokens = await connect(backend, gateway, brand_name())
    renewed = await gateway.refresh(refresh_token=tokens.refresh_token, now=backend.clock.now())
    assert renewed.refresh_token != tokens.refresh_token
    assert renewed.access_token != tokens.access_token
    with pytest.raises(GrantRevoked):
        await gateway.refresh(refresh_token=tokens.refresh_token, now=backend.clock.now())
    again = await gateway.refresh(refresh_token=renewed.refresh_token, now=backend.clock.now())
    assert again.refresh_token != renewed.refresh_token


@BOTH_KINDS
async def test_revoked_grant_means_reconnect(backend: Backend, kind: Kind) -> None:
    gateway = backend.gateway(kind)
    username = brand_name()
    tokens = await connect(backend, gateway, username)
    await backend.user_revokes(username)
    with pytest.raises(TokenExpired):
        await gateway.profile(access_token=tokens.access_token, open_id=tokens.open_id)
    with pytest.raises(GrantRevoked) as raised:
        await gateway.refresh(refresh_token=tokens.refresh_token, now=backend.clock.now())
    assert "reconnect" in raised.value.reason


@BOTH_KINDS
async def test_rate_limit_is_retried_then_raised_as_transient(backend: Backend, kind: Kind) -> None:
    gateway = backend.gateway(kind)
    tokens = await connect(backend, gateway, brand_name())
    retries = backend.settings.tiktok_max_retries

    await backend.fail(kind, "profile", "rate_limit", retries + 1)
    with pytest.raises(TransientError):
        await gateway.profile(access_token=tokens.access_token, open_id=tokens.open_id)
    assert len(backend.sleeps) == retries
    assert all(0 < s <= 30 for s in backend.sleeps)

    backend.sleeps.clear()
    await backend.fail(kind, "profile", "rate_limit", 1)
    profile = await gateway.profile(access_token=tokens.access_token, open_id=tokens.open_id)
    assert profile.open_id == tokens.open_id
    assert len(backend.sleeps) == 1


@BOTH_KINDS
async def test_mentions_are_paged_with_a_cursor(backend: Backend, kind: Kind) -> None:
    gateway = backend.gateway(kind)
    username = brand_name()
    tokens = await connect(backend, gateway, username)
    await backend.add_mentions(username)

    first = await gateway.mentions(
        access_token=tokens.access_token, open_id=tokens.open_id, max_count=3
    )
    assert len(first.videos) == 3 and first.has_more and first.cursor is not None
    second = await gateway.mentions(
        access_token=tokens.access_token, open_id=tokens.open_id, cursor=first.cursor, max_count=3
    )
    assert len(second.videos) == 2 and not second.has_more
    videos = [*first.videos, *second.videos]
    assert sorted(v.caption for v in videos) == sorted(MENTION_CAPTIONS)
    assert {v.creator_handle for v in videos} == {f"maker.{n}" for n in range(1, 6)}
    created = [v.created_at for v in videos]
    assert created == sorted(created, reverse=True), "newest first"
    assert all(v.url.startswith("https://www.tiktok.com/@") for v in videos)


async def test_dm_to_an_everyone_creator_is_sent(backend: Backend) -> None:
    gateway = backend.gateway(Kind.tiktok_v1)
    tokens = await connect(backend, gateway, brand_name())
    await backend.add_creator("open.creator", "everyone")
    result = await gateway.send_dm(
        access_token=tokens.access_token, creator_handle="@open.creator", text="May we repost?"
    )
    assert isinstance(result, Sent) and result.message_id


async def test_dm_to_a_friends_only_creator_is_queued_with_a_reason(backend: Backend) -> None:
    gateway = backend.gateway(Kind.tiktok_v1)
    tokens = await connect(backend, gateway, brand_name())
    await backend.add_creator("close.creator", "friends")
    result = await gateway.send_dm(
        access_token=tokens.access_token, creator_handle="close.creator", text="May we repost?"
    )
    assert result == Queued(QueueReason.creator_dm_setting)
    words = queue_reason_text(result.reason, handle="close.creator")
    assert "@close.creator" in words and "TikTok app" in words
