"""Per-address limits on the public account forms, attacked over HTTP through the middleware."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import httpx
import pytest
from sqlmodel import func, select
from starlette.applications import Starlette

from archive_app.api.auth import auth_routes
from archive_app.clock import FixedClock
from archive_app.db import session_scope
from archive_app.models.notifications import OutboxEmail
from archive_app.models.workspaces import SignupRequest
from archive_app.settings import Mode, Settings
from archive_app.web import rate_limits
from archive_app.web.flash import FLASH_COOKIE, read_flash
from archive_app.web.rate_limits import RateLimitMiddleware, RateLimits
from tests.conftest import REDIS_URL, build_test_deps

ORIGIN = "http://archive.test"
PER_MINUTE = 10


def _app(deps, limits: RateLimits, *, trusted=()) -> RateLimitMiddleware:
    return RateLimitMiddleware(
        Starlette(routes=auth_routes(deps)),
        limits=limits,
        trusted_proxies=list(trusted),
        signing_key=deps.cipher.signing_key,
        secure=False,
    )


@pytest.fixture
def deps(engine, now, tmp_path):
    settings = Settings(_env_file=None, mode=Mode.test, data_dir=tmp_path, public_url=ORIGIN)
    return build_test_deps(engine, settings, clock=FixedClock(now))


def _client(app, peer: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(peer, 5000))
    return httpx.AsyncClient(transport=transport, base_url=ORIGIN)


async def _sign_up(client, i: int, **headers: str) -> httpx.Response:
    return await client.post(
        "/auth/signup",
        data={
            "email": f"new{i}-{uuid.uuid4().hex[:6]}@brand.com",
            "password": "long-pass-1",
            "workspace": "Brand",
        },
        headers={"origin": ORIGIN, **headers},
    )


def _counts(engine) -> tuple[int, int]:
    with session_scope(engine) as s:
        requests = s.exec(select(func.count()).select_from(SignupRequest)).one()
        mails = s.exec(select(func.count()).select_from(OutboxEmail)).one()
    return requests, mails


def _flash_error(deps, response) -> str:
    path = urlsplit(response.headers["location"]).path
    value = response.cookies.get(FLASH_COOKIE)
    flash = read_flash(f"{FLASH_COOKIE}={value}", page=path, key=deps.cipher.signing_key)
    assert flash is not None
    return flash.error


async def test_the_eleventh_sign_up_from_one_address_in_a_minute_is_refused_and_queues_nothing(
    deps, engine
):
    app = _app(deps, RateLimits())
    async with _client(app, "198.51.100.7") as client:
        for i in range(PER_MINUTE):
            ok = await _sign_up(client, i)
            assert ok.headers["location"] == "/signup?sent=1"
        before = _counts(engine)
        refused = await _sign_up(client, 99)
    assert refused.status_code == 303 and refused.headers["location"] == "/signup"
    assert int(refused.headers["retry-after"]) > 0
    assert _flash_error(deps, refused) == (
        "Too many attempts from your network. Try again in 1 minute."
    )
    assert _counts(engine) == before == (PER_MINUTE, PER_MINUTE)


async def test_another_address_is_not_affected_by_ones_limit(deps):
    app = _app(deps, RateLimits())
    async with _client(app, "198.51.100.7") as noisy, _client(app, "203.0.113.5") as other:
        for i in range(PER_MINUTE + 1):
            await _sign_up(noisy, i)
        assert (await _sign_up(other, 0)).headers["location"] == "/signup?sent=1"


async def test_behind_a_trusted_proxy_the_limit_counts_each_forwarded_client(deps):
    app = _app(deps, RateLimits(), trusted=["172.30.0.0/24"])
    async with _client(app, "172.30.0.2") as caddy:
        for i in range(PER_MINUTE):
            await _sign_up(caddy, i, **{"x-forwarded-for": "198.51.100.7"})
        over = await _sign_up(caddy, 98, **{"x-forwarded-for": "198.51.100.7"})
        other = await _sign_up(caddy, 99, **{"x-forwarded-for": "203.0.113.5"})
    assert over.headers["location"] == "/signup"
    assert other.headers["location"] == "/signup?sent=1"


@pytest.mark.parametrize(
    ("path", "back_to"),
    [
        ("/auth/setup", "/login"),
        ("/auth/invite/abc_DEF-123", "/invite/abc_DEF-123"),
        ("/auth/forgot", "/forgot"),
        ("/auth/reset/tok-en_1", "/reset/tok-en_1"),
    ],
)
async def test_every_account_form_is_limited_and_goes_back_to_its_own_page(deps, path, back_to):
    limits = RateLimits()
    for _ in range(PER_MINUTE):
        assert limits.hit(rate_limits.ACCOUNT_FORMS, "198.51.100.7")
    async with _client(_app(deps, limits), "198.51.100.7") as client:
        refused = await client.post(path, data={}, headers={"origin": ORIGIN})
    assert refused.status_code == 303 and refused.headers["location"] == back_to
    assert _flash_error(deps, refused).startswith("Too many attempts from your network.")


def test_hit_for_state_handlers_counts_per_key_and_refuses_over_the_limit():
    limits = rate_limits.install(RateLimits())
    try:
        assert all(rate_limits.hit(rate_limits.EMAIL_CHANGE, "1.1.1.1") for _ in range(10))
        assert not rate_limits.hit(rate_limits.EMAIL_CHANGE, "1.1.1.1")
        assert rate_limits.hit(rate_limits.EMAIL_CHANGE, "2.2.2.2")
        assert rate_limits.hit(rate_limits.ACCOUNT_FORMS, "1.1.1.1")  # a budget of its own
    finally:
        limits.reset()


@pytest.mark.skipif(not REDIS_URL, reason="ARCHIVE_REDIS_URL is not set (no local Redis)")
async def test_two_replicas_with_redis_share_one_count(deps):
    prefix = f"archive-test-{uuid.uuid4().hex[:8]}"
    first = RateLimits(REDIS_URL, key_prefix=prefix)
    second = RateLimits(REDIS_URL, key_prefix=prefix)
    try:
        async with _client(_app(deps, first), "198.51.100.7") as replica1:
            for i in range(PER_MINUTE):
                await _sign_up(replica1, i)
        async with _client(_app(deps, second), "198.51.100.7") as replica2:
            refused = await _sign_up(replica2, 99)
        assert refused.headers["location"] == "/signup"
    finally:
        first.reset()


def test_loopback_is_exempt_only_where_asked_for():
    demo = RateLimits(exempt_loopback=True)
    production = RateLimits()
    for _ in range(PER_MINUTE):
        production.hit(rate_limits.ACCOUNT_FORMS, "127.0.0.1")
    assert not production.hit(rate_limits.ACCOUNT_FORMS, "127.0.0.1")
    assert all(demo.hit(rate_limits.ACCOUNT_FORMS, "::1") for _ in range(PER_MINUTE * 6))
    for _ in range(PER_MINUTE):
        demo.hit(rate_limits.ACCOUNT_FORMS, "198.51.100.7")
    assert not demo.hit(rate_limits.ACCOUNT_FORMS, "198.51.100.7")
