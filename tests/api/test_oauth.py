"""GET /oauth/tiktok/v2/start: the source id in the URL is checked at the edge, never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import select
from starlette.applications import Starlette

from archive_app import deps as deps_module
from archive_app.api.oauth import oauth_routes
from archive_app.clock import FixedClock, ShiftedClock
from archive_app.db import session_scope
from archive_app.models.base import MAX_ID, parse_id
from archive_app.models.sources import Source
from archive_app.settings import Settings
from archive_app.simulator import simulator_mounts
from archive_app.web.cookies import SESSION_COOKIE
from archive_app.web.flash import FLASH_COOKIE, read_flash
from tests import factories
from tests.conftest import build_test_deps

ORIGIN = "http://archive.test"


@pytest.fixture
async def client(
    engine: Engine, test_settings: Settings, now: datetime
) -> AsyncIterator[httpx.AsyncClient]:
    """The routes on the test's database (SQLite or PostgreSQL), TikTok being the simulator."""
    with session_scope(engine) as s:
        owner = factories.workspace(s, now=now)
    deps = build_test_deps(engine, test_settings, clock=FixedClock(now))
    app = Starlette(routes=oauth_routes(deps))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=ORIGIN,
        cookies={SESSION_COOKIE: owner.session_token},
    ) as c:
        c.flash_key = deps.cipher.signing_key  # type: ignore[attr-defined]
        yield c


@pytest.mark.parametrize(
    "source",
    [
        "99999999999999999999999",  # beyond 64 bits: SQLite raised OverflowError (a 500)
        str(MAX_ID + 1),  # beyond 32 bits: PostgreSQL's "integer out of range" (a 500)
        "9" * 5000,
        "-5",
        "0",
        "abc",
        "١٢",  # Unicode digits, which int() would take
        " 7",
    ],
)
async def test_a_source_id_beyond_64_bits_or_garbage_gets_a_clear_refusal_not_a_500(
    client: httpx.AsyncClient, source: str
) -> None:
    response = await client.get("/oauth/tiktok/v2/start", params={"source": source})
    assert response.status_code == 400
    assert "That source id is not valid." in response.text
    assert "Traceback" not in response.text


async def test_a_well_formed_unknown_source_id_goes_back_to_sources_with_the_reason(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/oauth/tiktok/v2/start", params={"source": str(MAX_ID)})
    assert response.status_code == 303
    assert response.headers["location"] == "/settings/sources"
    flash = read_flash(
        f"{FLASH_COOKIE}={response.cookies.get(FLASH_COOKIE)}",
        page="/settings/sources",
        key=client.flash_key,  # type: ignore[attr-defined]
    )
    assert flash is not None and flash.error == "That source is not in this workspace."


async def test_a_stranger_starting_a_reconnect_logs_in_first_and_comes_back_to_it(
    client: httpx.AsyncClient,
) -> None:
    client.cookies.clear()
    response = await client.get("/oauth/tiktok/v2/start", params={"source": "1"})
    assert response.status_code == 303
    location = httpx.URL(response.headers["location"])
    assert location.path == "/login"
    assert location.params["next"] == "/oauth/tiktok/v2/start?source=1"
    assert FLASH_COOKIE not in response.cookies  # no "not in this workspace" for a stranger


async def test_no_source_id_starts_a_new_connection(client: httpx.AsyncClient) -> None:
    response = await client.get("/oauth/tiktok/v2/start")
    assert response.status_code == 303
    assert "state=" in response.headers["location"]


def test_parse_id_takes_plain_digits_in_the_database_id_range_only() -> None:
    assert parse_id("1") == 1 and parse_id(str(MAX_ID)) == MAX_ID
    assert [parse_id(x) for x in ("0", str(MAX_ID + 1), "+1", "1_000", "٣", "")] == [None] * 6


def _browser(app: Starlette, **kw: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("decision", ["authorize", "cancel"])
async def test_the_consent_round_trip_through_the_simulator_connects_or_says_it_was_cancelled(
    engine: Engine, test_settings: Settings, decision: str
) -> None:
    clock = ShiftedClock()
    simulator = Starlette(routes=simulator_mounts(test_settings, clock=clock))
    deps = deps_module.install(
        build_test_deps(engine, test_settings, clock=clock, simulator=simulator)
    )
    try:
        with session_scope(engine) as s:
            owner = factories.workspace(s, now=clock.now())
        app = Starlette(routes=oauth_routes(deps))
        async with (
            _browser(app, cookies={SESSION_COOKIE: owner.session_token}) as browser,
            _browser(simulator) as tiktok,
        ):
            await tiktok.post("/_sim/control/accounts", json={"username": "brandco"})
            start = await browser.get("/oauth/tiktok/v2/start")
            assert start.status_code == 303
            consent = await tiktok.post(
                start.headers["location"], data={"username": "brandco", "decision": decision}
            )
            assert consent.status_code == 303
            back = httpx.URL(consent.headers["location"])
            done = await browser.get("/oauth/tiktok/callback", params=dict(back.params))
    finally:
        deps_module.uninstall()

    assert done.status_code == 303
    with session_scope(engine) as s:
        sources = [(x.handle, x.kind, x.status) for x in s.exec(select(Source)).all()]
    if decision == "authorize":
        assert done.headers["location"].startswith("/settings/sources?connected=")
        assert sources == [("brandco", "tiktok_v2", "active")]
    else:
        assert done.headers["location"] == "/settings/sources"
        flash = read_flash(
            f"{FLASH_COOKIE}={done.cookies.get(FLASH_COOKIE)}",
            page="/settings/sources",
            key=deps.cipher.signing_key,
        )
        assert flash is not None and flash.error == "Connection cancelled"
        assert sources == []
