"""Fixtures for the TikTok layer: a simulator on a real port, and live-like settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from archive_app.clock import ShiftedClock
from archive_app.settings import Settings
from archive_app.simulator import create_simulator_app
from tests.integrations.tiktok_backends import (
    ExampleBackend,
    SimulatorBackend,
    UvicornThread,
    live_settings,
    sim_settings,
)
from tests.ports import free_port


@pytest.fixture
def sim_clock() -> ShiftedClock:
    """A clock of the test's own, so advancing it cannot leak into other tests."""
    return ShiftedClock()


@pytest.fixture
def running_simulator(tmp_path: Path, sim_clock: ShiftedClock) -> Iterator[Settings]:
    """The simulator mounted at /_sim, as the app mounts it, served by uvicorn."""
    port = free_port()
    settings = sim_settings(port, tmp_path)
    sim = create_simulator_app(settings=settings, clock=sim_clock)
    with UvicornThread(Starlette(routes=[Mount("/_sim", app=sim)]), port):
        yield settings


@pytest.fixture(params=["simulator", "examples"])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, sim_clock: ShiftedClock
) -> AsyncIterator[SimulatorBackend | ExampleBackend]:
    if request.param == "simulator":
        settings = request.getfixturevalue("running_simulator")
        chosen: SimulatorBackend | ExampleBackend = SimulatorBackend(settings, sim_clock)
    else:
        chosen = ExampleBackend(live_settings(tmp_path), sim_clock)
    yield chosen
    await chosen.aclose()
