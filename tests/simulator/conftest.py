"""Fixtures of the simulator's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive_app.settings import Settings
from tests.integrations.tiktok_backends import sim_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The simulator's settings for an app at http://app.test (state kept in ``tmp_path``)."""
    return sim_settings(3000, tmp_path, public_url="http://app.test")
