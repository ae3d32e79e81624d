"""Issue 18: demo mode listens on loopback only (it served /dev/mail and the simulator's
control API to the whole LAN) unless ARCHIVE_HOST says otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _listen_host(tmp_path: Path, **env: str) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ARCHIVE_", "PYTEST_"))}
    done = subprocess.run(
        [sys.executable, "-c", "import rxconfig; print(rxconfig.config.backend_host)"],
        cwd=ROOT,
        env={**base, "ARCHIVE_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("mode", ["demo", "test"])
def test_demo_and_test_mode_listen_on_loopback_only(tmp_path: Path, mode: str) -> None:
    assert _listen_host(tmp_path, ARCHIVE_MODE=mode) == "127.0.0.1"


def test_archive_host_opens_the_demo_to_other_addresses(tmp_path: Path) -> None:
    assert _listen_host(tmp_path, ARCHIVE_MODE="demo", ARCHIVE_HOST="0.0.0.0") == "0.0.0.0"


def test_the_image_sets_archive_host_since_it_may_run_in_demo_mode() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "ARCHIVE_HOST=0.0.0.0" in dockerfile
