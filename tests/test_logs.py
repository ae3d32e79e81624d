"""logs.py: one line per event, ids attached, secrets never written."""

from __future__ import annotations

import io
import json
import logging

import pytest
from pydantic import SecretStr

from archive_app import logs
from archive_app.settings import Mode, Settings


@pytest.fixture
def capture(tmp_path):
    def make(**overrides):
        settings = Settings(_env_file=None, mode=Mode.test, data_dir=tmp_path, **overrides)
        stream = io.StringIO()
        handler = logs.configure(settings, stream=stream)
        return stream, handler

    yield make
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == logs.HANDLER_NAME]:
        root.removeHandler(handler)


def test_json_lines_carry_level_time_logger_and_the_request_id(capture):
    stream, _ = capture(log_format="json")
    token = logs.request_id.set("req123")
    try:
        logging.getLogger("archive_app.test").warning("something %s", "happened")
    finally:
        logs.request_id.reset(token)
    entry = json.loads(stream.getvalue())
    assert entry["level"] == "WARNING" and entry["logger"] == "archive_app.test"
    assert entry["message"] == "something happened" and entry["request_id"] == "req123"
    assert entry["time"].endswith("Z")


def test_a_traceback_stays_in_its_events_single_line(capture):
    stream, _ = capture()
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("archive_app.test").exception("it failed")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and "it failed" in lines[0] and "RuntimeError: boom" in lines[0]


def test_configured_secrets_and_credential_shapes_are_redacted(capture):
    stream, _ = capture(
        log_format="json",
        smtp_password=SecretStr("smtp-pass-4242"),
        tiktok_v2_client_secret=SecretStr("tt-secret-777777"),
    )
    log = logging.getLogger("archive_app.test")
    log.error("smtp login failed with smtp-pass-4242 and tt-secret-777777")
    log.error('answer {"access_token": "act.abcdef123456", "refresh_token": "rft.zyx987654"}')
    log.error("POST body client_secret=abcd1234&code_verifier=xyzxyz12 password=hunter22")
    log.error("header Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload")
    log.error("cookie archive_session=s3ss10nt0k3n")
    text = stream.getvalue()
    for secret in (
        "smtp-pass-4242",
        "tt-secret-777777",
        "act.abcdef123456",
        "rft.zyx987654",
        "abcd1234",
        "xyzxyz12",
        "hunter22",
        "eyJhbGciOiJIUzI1NiJ9",
        "s3ss10nt0k3n",
    ):
        assert secret not in text
    assert text.count(logs.REDACTED) >= 9


def test_configuring_twice_keeps_one_handler(capture):
    capture()
    capture()
    ours = [h for h in logging.getLogger().handlers if h.get_name() == logs.HANDLER_NAME]
    assert len(ours) == 1


async def test_each_request_gets_an_id_echoed_back_and_a_safe_proxy_id_is_kept():
    import httpx
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def page(_request):
        return PlainTextResponse(logs.request_id.get())

    app = logs.RequestIds(Starlette(routes=[Route("/", page)]))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        own = await c.get("/")
        kept = await c.get("/", headers={"x-request-id": "proxy-abc.123"})
        unsafe = await c.get("/", headers={"x-request-id": "bad id\nwith newline"})
    assert own.text and own.headers["x-request-id"] == own.text
    assert kept.text == "proxy-abc.123" == kept.headers["x-request-id"]
    assert unsafe.text != "bad id\nwith newline" and len(unsafe.text) == 12
