"""Logs: one JSON line per event with level, time and request/job id; no secret in any line.

The app runs as a process (test mode, the simulator as TikTok) with ARCHIVE_LOG_FORMAT=json and
DEBUG level. The test logs in (and fails once), connects a v.2 source through the consent
flow, makes TikTok's clock pass so the token is refreshed, then greps the whole log for every
secret it saw: passwords, the session cookie, the OAuth code and state, both generations of
access and refresh tokens, the client secrets and the encryption key.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

from archive_app.clock import app_clock
from archive_app.db import make_engine, session_scope
from archive_app.services import signup
from tests.browser.conftest import launch_app
from tests.ports import free_port

PASSWORD = "Correct-Horse-Battery-7"
WRONG_PASSWORD = "Wrong-Staple-Guess-9"


@pytest.fixture
def smtp_port():
    controller = Controller(Sink(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port
    controller.stop()


def _grants(client: httpx.Client) -> list[dict]:
    state = client.get("/_sim/control/state").json()
    grants = state["grants"]
    return list(grants.values()) if isinstance(grants, dict) else list(grants)


def _token_values(grants: list[dict]) -> set[str]:
    found = set()
    for grant in grants:
        for key, value in grant.items():
            if "token" in key and isinstance(value, str) and len(value) >= 8:
                found.add(value)
    return found


def test_a_connect_a_refresh_and_a_login_leave_no_secret_in_the_json_log(tmp_path, smtp_port):
    data = tmp_path / "data"
    env = {
        "ARCHIVE_LOG_FORMAT": "json",
        "ARCHIVE_LOG_LEVEL": "DEBUG",
        "ARCHIVE_SEED_DEMO": "false",
        "ARCHIVE_SCHEDULER_ENABLED": "false",  # the test runs each job itself
    }
    with launch_app(data, smtp_port=smtp_port, env=env, backend_only=True) as app:
        engine = make_engine(f"sqlite:///{data / 'archive.db'}")
        with session_scope(engine) as s:
            signup.sign_up(
                s,
                email="ops@brand.example",
                password=PASSWORD,
                workspace_name="Brand",
                now=app_clock().now(),
            )
        engine.dispose()
        secrets: set[str] = {PASSWORD, WRONG_PASSWORD}
        with httpx.Client(base_url=app.url, headers={"origin": app.url}, timeout=20) as web:
            wrong = web.post(
                "/auth/login", data={"email": "ops@brand.example", "password": WRONG_PASSWORD}
            )
            assert wrong.status_code == 303 and "archive_session" not in wrong.cookies
            login = web.post(
                "/auth/login", data={"email": "ops@brand.example", "password": PASSWORD}
            )
            session_token = login.cookies["archive_session"]
            secrets.add(session_token)

            web.post("/_sim/control/accounts", json={"username": "logbrand"})
            start = web.get("/oauth/tiktok/v2/start")
            consent_url = start.headers["location"]
            secrets.add(parse_qs(urlsplit(consent_url).query)["state"][0])
            consent = web.post(consent_url, data={"username": "logbrand", "decision": "authorize"})
            back = urlsplit(consent.headers["location"])
            secrets.update(v[0] for k, v in parse_qs(back.query).items() if k in ("code", "state"))
            done = web.get(f"{back.path}?{back.query}")
            assert done.status_code == 303 and "connected=" in done.headers["location"]
            first_tokens = _token_values(_grants(web))
            assert first_tokens, "the simulator shows the grant's tokens"

            web.post("/_sim/control/clock", json={"advance_days": 2})  # the access token expires
            refreshed = web.post("/dev/jobs/refresh_tokens").json()
            assert refreshed["ok"] is True, refreshed
            second_tokens = _token_values(_grants(web))
            assert second_tokens - first_tokens, f"no new token after the refresh: {refreshed}"
            secrets |= first_tokens | second_tokens
            web.post("/dev/jobs/drain_outbox")
        secrets.add((data / "encryption.key").read_text().strip())
        secrets |= {"sim-tiktok-v1-secret", "sim-tiktok-v2-secret"}
    log = app.log_path.read_text(errors="replace")

    leaked = sorted(s for s in secrets if s in log)
    assert leaked == [], f"secrets in the log: {[s[:6] + '…' for s in leaked]}"

    ours = []
    for line in log.splitlines():
        if line.startswith("{"):
            entry = json.loads(line)  # every JSON line parses: one event per line
            assert {"time", "level", "logger", "message"} <= entry.keys()
            ours.append(entry)
    messages = {e["message"] for e in ours}
    assert any(m.startswith("login refused from") for m in messages)
    assert any(m.startswith("login: user") for m in messages)
    assert any(m.startswith("connected source") for m in messages)
    login_lines = [e for e in ours if e["message"].startswith("login")]
    assert all(e.get("request_id") for e in login_lines)  # each request's lines carry its id
    assert any(e.get("job_id", "").startswith("refresh_tokens-") for e in ours)
