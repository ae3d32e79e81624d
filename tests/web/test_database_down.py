"""An unreachable database: a clear 503 page on every route, not a 500 with a traceback.

The login route runs as the app mounts it (our Starlette with ``DatabaseDown`` in its
middleware) on a PostgreSQL URL where nothing listens, so every connection attempt fails
with SQLAlchemy's ``OperationalError``, as during an outage.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from archive_app.api.auth import auth_routes
from archive_app.db import make_engine
from archive_app.settings import Mode, Settings
from archive_app.web.database_down import DatabaseDown
from tests.conftest import build_test_deps
from tests.ports import free_port

ORIGIN = "http://archive.test"
SAYS = "Archive cannot reach its database; try again in a minute"


async def _hello(_request: object) -> PlainTextResponse:
    return PlainTextResponse("still here")


@pytest.fixture
async def client(tmp_path: Path):
    engine = make_engine(f"postgresql://archive@127.0.0.1:{free_port()}/archive")
    settings = Settings(_env_file=None, mode=Mode.test, data_dir=tmp_path, public_url=ORIGIN)
    routes = [*auth_routes(build_test_deps(engine, settings)), Route("/hello", _hello)]
    app = Starlette(routes=routes, middleware=[Middleware(DatabaseDown)])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as c:
        yield c
    engine.dispose()


def _login(client: httpx.AsyncClient, accept: str):
    return client.post(
        "/auth/login",
        data={"email": "owner@brand.com", "password": "owner-pass"},
        headers={"origin": ORIGIN, "accept": accept},
    )


async def test_a_login_while_the_database_is_down_answers_a_503_page_saying_so(client, caplog):
    response = await _login(client, "text/html,application/xhtml+xml")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["retry-after"] == "60"
    assert SAYS in response.text
    assert "Traceback" not in response.text and "OperationalError" not in response.text
    assert "archive_session" not in response.cookies
    logged = [r.getMessage() for r in caplog.records if r.name == "archive_app.web.database_down"]
    assert logged == ["database unreachable: POST /auth/login answered 503 (OperationalError)"]


async def test_a_client_asking_for_json_gets_the_same_503_as_json(client):
    response = await _login(client, "application/json")
    assert response.status_code == 503
    assert response.json() == {"error": "database_unreachable", "message": SAYS + "."}


async def test_routes_that_do_not_need_the_database_still_answer(client):
    response = await client.get("/hello")
    assert response.status_code == 200 and response.text == "still here"
