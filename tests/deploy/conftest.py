"""The container's entrypoint (deploy/entrypoint.sh) run as a process, as the image runs it."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.browser.conftest import browser  # noqa: F401 (Chromium for test_image.py)
from tests.ports import free_port
from tests.production_settings import FERNET_KEY

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
BOOT_LOCK = "/tmp/archive-web.lock"  # the browser tests' lock on .web/
HOST = "archive.test"  # production refuses a loopback public URL; requests name this host


@pytest.fixture(scope="session")
def built_frontend() -> Path:
    """The image builds the frontend once (`reflex export --frontend-only`); so do we, if no
    build is there yet (a browser test's `reflex run` leaves one too)."""
    client = ROOT / ".web" / "build" / "client"
    with open(BOOT_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (client / "index.html").exists():
            subprocess.run(
                [str(BIN / "reflex"), "export", "--frontend-only", "--no-zip", "--env", "prod"],
                cwd=ROOT,
                env={**_base_env(), "ARCHIVE_MODE": "test", "ARCHIVE_DATA_DIR": tempfile.mkdtemp()},
                check=True,
                capture_output=True,
                timeout=600,
            )
    return client


def _base_env() -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ARCHIVE_", "PYTEST_", "REFLEX_"))
    }
    env.update(
        PATH=os.pathsep.join([str(ROOT / ".tools/node_modules/.bin"), str(BIN), env["PATH"]]),
        REFLEX_USE_SYSTEM_BUN="1",
        REFLEX_TELEMETRY_ENABLED="false",
        COLUMNS="1000",
    )
    return env


def production_env(data_dir: Path, port: int, smtp_port: int, **extra: str) -> dict[str, str]:
    return {
        **_base_env(),
        "ARCHIVE_HOME": str(ROOT),
        "ARCHIVE_MODE": "production",
        "ARCHIVE_PORT": str(port),
        "ARCHIVE_DATA_DIR": str(data_dir),
        "ARCHIVE_PUBLIC_URL": f"http://{HOST}:{port}",
        "ARCHIVE_ALLOW_INSECURE_HTTP": "true",
        "ARCHIVE_ENCRYPTION_KEY": FERNET_KEY,
        "ARCHIVE_TIKTOK_V1_CLIENT_KEY": "awlivev1key",
        "ARCHIVE_TIKTOK_V1_CLIENT_SECRET": "live-v1-secret-value",
        "ARCHIVE_TIKTOK_V2_CLIENT_KEY": "awlivev2key",
        "ARCHIVE_TIKTOK_V2_CLIENT_SECRET": "live-v2-secret-value",
        "ARCHIVE_SMTP_HOST": "127.0.0.1",
        "ARCHIVE_SMTP_PORT": str(smtp_port),
        "ARCHIVE_MAIL_FROM": "Archive <archive@brand.example>",
        **extra,
    }


@dataclass
class Started:
    proc: subprocess.Popen
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM to the one process (as `docker stop` does), then wait."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)


@contextmanager
def entrypoint(env: dict[str, str], log_path: Path, *, ready: bool = True) -> Iterator[Started]:
    port = env["ARCHIVE_PORT"]
    log = log_path.open("a")
    proc = subprocess.Popen(
        [str(ROOT / "deploy" / "entrypoint.sh")],
        cwd="/",
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    started = Started(proc=proc, url=f"http://127.0.0.1:{port}", log_path=log_path)
    try:
        if ready:
            _wait_healthy(started)
        yield started
    finally:
        if proc.poll() is None:
            try:
                started.terminate(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def _wait_healthy(started: Started, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if started.proc.poll() is not None:
            raise AssertionError(f"entrypoint exited early:\n{started.log()[-4000:]}")
        try:
            if httpx.get(f"{started.url}/_health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"not healthy in {timeout}s:\n{started.log()[-4000:]}")


@pytest.fixture
def ports() -> tuple[int, int]:
    return free_port(), free_port()
