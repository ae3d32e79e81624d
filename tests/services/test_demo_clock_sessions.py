"""Moving the simulator's clock keeps the demo signed in (issue 21, item 16): the clock moves
for TikTok's tokens, deadlines and reminders; a session keeps the time it had left."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from sqlmodel import Session

from archive_app.clock import ShiftedClock
from archive_app.services import auth, dev
from archive_app.simulator import create_simulator_app
from tests import factories
from tests.integrations.tiktok_backends import sim_settings


def test_carrying_sessions_over_a_clock_move_keeps_them_signed_in_for_the_time_they_had(
    session: Session, now
) -> None:
    signed_in = factories.workspace(session, now=now)
    token = signed_in.session_token
    later = now + timedelta(days=151)
    assert auth.current_viewer(session, token=token, now=later) is None, "ended without it"
    assert dev.carry_sessions_over(session, delta=timedelta(days=151)) >= 1
    assert auth.current_viewer(session, token=token, now=later) is not None
    end = later + auth.SESSION_LIFETIME
    assert auth.current_viewer(session, token=token, now=end) is None, "no longer than before"


async def test_the_simulators_clock_move_tells_the_app_how_far_it_moved(tmp_path: Path) -> None:
    moved: list[timedelta] = []

    async def on_clock_moved(delta: timedelta) -> None:
        moved.append(delta)

    settings = sim_settings(3000, tmp_path)
    app = create_simulator_app(
        settings=settings, clock=ShiftedClock(), on_clock_moved=on_clock_moved
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app.test") as client:
        answer = await client.post("/control/clock", json={"advance_days": 151})
        bad = await client.post("/control/clock", json={"advance_days": -1})
    assert answer.status_code == 200 and bad.status_code == 400
    assert moved == [timedelta(days=151)], "told once, and not for a refused move"
