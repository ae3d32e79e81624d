"""Reminders across a real restart: the app process (``reflex run``, backend only) is stopped and
started again on the same data directory, and no reminder step goes out twice.

The source is a real grant of the app's simulator (QR login through its control API), saved
with the service the wizard uses; the clock is the app's, moved with ``POST
/_sim/control/clock``; the mail arrives at this test session's SMTP server (aiosmtpd).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from sqlmodel import Session

from archive_app.crypto import TokenCipher
from archive_app.db import make_engine
from archive_app.integrations.tiktok.client import gateway_for
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.models.sources import Source
from archive_app.services.sources import status as source_service
from archive_app.settings import Mode, Settings
from tests import factories
from tests.browser.conftest import RunningApp, launch_app

ADDRESSES = ["owner@restartbrand.com", "social@restartbrand.com"]
SUBJECT = "Reconnect @restartbrand to Archive within"


def app_settings(app: RunningApp) -> Settings:
    return Settings(mode=Mode.test, data_dir=app.data_dir, public_url=app.url)


async def connect_v1(app: RunningApp) -> int:
    """A workspace with a v.1 source on a real simulator grant; returns the source id."""
    settings = app_settings(app)
    gateway = gateway_for(Kind.tiktok_v1, settings)
    async with httpx.AsyncClient(base_url=app.url, timeout=20) as http:
        await http.post("/_sim/control/accounts", json={"username": "restartbrand"})
        now = datetime.fromisoformat((await http.get("/_sim/control/state")).json()["now"])
        tokens = await factories.simulator_grant(
            http, gateway, kind=Kind.tiktok_v1, username="restartbrand", now=now
        )
    profile = await gateway.profile(access_token=tokens.access_token, open_id=tokens.open_id)
    await gateway.aclose()
    engine = make_engine(settings.database_url)
    with Session(engine) as s:
        owner = factories.workspace(s, email=ADDRESSES[0], name="Restart", now=now)
        source = source_service.save_connection(
            s,
            workspace_id=owner.workspace_id,
            user_id=owner.user_id,
            kind=Kind.tiktok_v1,
            tokens=tokens,
            profile=profile,
            cipher=TokenCipher(settings.fernet_key()),
            now=now,
            reminder_emails=ADDRESSES,
        )
        s.commit()
        assert source.id is not None
        source_id = source.id
    engine.dispose()
    return source_id


def move_to_step(app: RunningApp, source_id: int, days: int) -> None:
    """Move the shared clock to a minute past the ``days``-before-deadline step."""
    engine = make_engine(app_settings(app).database_url)
    with Session(engine) as s:
        source = s.get(Source, source_id)
        assert source is not None and source.deadline_at is not None
        deadline = source.deadline_at
    engine.dispose()
    control = f"{app.url}/_sim/control"
    now = httpx.get(f"{control}/state", timeout=20).json()["now"]
    target = deadline - timedelta(days=days) + timedelta(minutes=1)
    seconds = (target - datetime.fromisoformat(now)).total_seconds()
    answer = httpx.post(f"{control}/clock", json={"advance_seconds": seconds}, timeout=20)
    assert answer.status_code == 200, answer.text


def send_reminders(app: RunningApp) -> int:
    answer = httpx.post(f"{app.url}/dev/jobs/send_reminders", timeout=60).json()
    assert answer["ok"], answer
    return int(answer["result"]["queued"])


def test_a_reminder_step_goes_out_once_across_two_runs_and_a_restart(inbox, tmp_path: Path):
    data_dir = tmp_path / "restart-app"
    data_dir.mkdir()
    with launch_app(data_dir, smtp_port=inbox.port, backend_only=True) as app:  # type: ignore[attr-defined]
        source_id = asyncio.run(connect_v1(app))
        move_to_step(app, source_id, 30)
        assert (send_reminders(app), send_reminders(app)) == (2, 0)
        for address in ADDRESSES:
            mail = inbox.wait_for(to=address, subject_contains=SUBJECT)
            assert mail["Subject"] == "Reconnect @restartbrand to Archive within 30 days"
    with launch_app(data_dir, smtp_port=inbox.port, backend_only=True) as app:  # type: ignore[attr-defined]
        assert send_reminders(app) == 0  # the 30-day step went out before the restart
        move_to_step(app, source_id, 14)
        assert (send_reminders(app), send_reminders(app)) == (2, 0)
        for address in ADDRESSES:
            inbox.wait_for(to=address, subject_contains="within 14 days")
        httpx.post(f"{app.url}/dev/jobs/drain_outbox", timeout=60)
    for address in ADDRESSES:
        assert inbox.count(to=address, subject_contains=SUBJECT) == 2
