"""End-to-end fixtures: the app started the way ``make run`` starts it (``reflex run --env prod``)
on a free port with its own data dir, a real SMTP server (aiosmtpd) receiving its mail, and
Playwright driving Debian's Chromium.
"""

from __future__ import annotations

import email
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller

from tests.browser.helpers import Simulator
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
BOOT_LOCK = "/tmp/archive-web.lock"
BOOT_TIMEOUT = float(os.environ.get("ARCHIVE_TEST_BOOT_TIMEOUT", "300"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@dataclass
class Inbox:
    """Mail the app sent over SMTP, as a receiving server saw it."""

    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def wait_for(self, *, to: str, subject_contains: str, timeout: float = 30) -> Message:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for m in self.messages:
                    if to in str(m["To"]) and subject_contains in str(m["Subject"]):
                        return m
            time.sleep(0.2)
        raise AssertionError(f"no mail to {to} about {subject_contains!r} within {timeout}s")

    def count(self, *, to: str, subject_contains: str) -> int:
        with self.lock:
            return sum(
                1
                for m in self.messages
                if to in str(m["To"]) and subject_contains in str(m["Subject"])
            )


@pytest.fixture(scope="session")
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    yield box
    controller.stop()


@dataclass
class RunningApp:
    url: str
    data_dir: Path
    log_path: Path
    pid: int = 0


def private_web_dir(web: Path) -> Path:
    """A frontend work dir of its own (REFLEX_WEB_WORKDIR), seeded with the packages already
    installed in the project's ``.web`` so they are not downloaded again.

    Every build bakes its server's port into the pages (env.json): an app building into the
    shared ``.web`` while another one serves from it would send the other one's pages to its
    own socket, and to nothing once it stops. Call with the boot lock held.
    """
    top = ROOT / ".web"
    if (top / "node_modules").exists() and not web.exists():
        shutil.copytree(
            top, web, symlinks=True, ignore=lambda d, names: ["build"] if d == str(top) else []
        )
    return web


@contextmanager
def launch_app(
    data_dir: Path,
    *,
    smtp_port: int,
    env: dict[str, str] | None = None,
    backend_only: bool = False,
    shared_web: bool = False,
) -> Iterator[RunningApp]:
    """The app as ``make run`` starts it (``reflex run --env prod``) on a free port.

    ``env`` adds or overrides variables (e.g. PostgreSQL, Redis, two workers); without it the
    scale-out variables are taken out. ``backend_only`` serves the socket and our routes
    without building the frontend (for socket-level tests). The frontend is built into a
    work dir of the app's own (see ``private_web_dir``), except with ``shared_web``: the
    session's server, which builds into the project's ``.web`` as ``make run`` does.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    full_env = {
        **os.environ,
        "ARCHIVE_MODE": "test",
        "ARCHIVE_SEED_DEMO": "true",
        "ARCHIVE_DATA_DIR": str(data_dir),
        "ARCHIVE_PORT": str(port),
        "ARCHIVE_PUBLIC_URL": url,
        "ARCHIVE_SMTP_HOST": "127.0.0.1",
        "ARCHIVE_SMTP_PORT": str(smtp_port),
        "ARCHIVE_MAIL_SINK": "false",
        "ARCHIVE_SCHEDULER_ENABLED": "true",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "COLUMNS": "1000",  # one log line per message
        "PATH": os.pathsep.join(
            [
                str(ROOT / ".tools/node_modules/.bin"),
                str(Path(sys.executable).parent),
                os.environ["PATH"],
            ]
        ),
    }
    for name in ("ARCHIVE_DATABASE_URL", "ARCHIVE_REDIS_URL", "PYTEST_CURRENT_TEST"):
        full_env.pop(name, None)
    full_env.update(env or {})
    command = ["run", "--env", "prod", "--backend-port", str(port)]
    if backend_only:
        # rxconfig sets frontend_port; the CLI refuses it with --backend-only unless it is 0.
        full_env["REFLEX_FRONTEND_PORT"] = "0"
        command.append("--backend-only")
    else:
        command += ["--frontend-port", str(port)]
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [str(bin_dir / "alembic"), "upgrade", "head"],
        cwd=ROOT,
        env=full_env,
        check=True,
        capture_output=True,
    )
    log_path = data_dir / "app.log"
    log = log_path.open("w")
    # Starting compiles into .web/: one start at a time on this machine (benchmarks start too).
    boot_lock = open(BOOT_LOCK, "w")  # noqa: SIM115
    fcntl.flock(boot_lock, fcntl.LOCK_EX)
    if not backend_only and not shared_web:
        full_env["REFLEX_WEB_WORKDIR"] = str(private_web_dir(data_dir / "web"))
    proc = subprocess.Popen(
        [str(bin_dir / "reflex"), *command],
        cwd=ROOT,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        try:
            _wait_until_ready(url, proc, log_path, page="/ping" if backend_only else "/login")
        finally:
            boot_lock.close()
        yield RunningApp(url=url, data_dir=data_dir, log_path=log_path, pid=proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="session")
def app_server(inbox: Inbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    data_dir = tmp_path_factory.mktemp("app-data")
    with launch_app(data_dir, smtp_port=inbox.port, shared_web=True) as app:  # type: ignore[attr-defined]
        yield app


def _wait_until_ready(url: str, proc: subprocess.Popen, log_path: Path, *, page: str) -> None:
    deadline = time.monotonic() + BOOT_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited early:\n{log_path.read_text()[-4000:]}")
        try:
            answer = httpx.get(f"{url}{page}", timeout=2, follow_redirects=True)
            if answer.status_code == 200 and httpx.get(f"{url}/ping", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"app not ready in {BOOT_TIMEOUT}s:\n{log_path.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if not executable:
        pytest.fail("Debian's chromium is not installed: run `make test` (it installs it)")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def new_page(browser, app_server):
    """A fresh browser profile per call (separate cookies), closed after the test."""
    contexts = []

    def make():
        context = browser.new_context(base_url=app_server.url)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def sim(app_server):
    """The simulator's control API of the test's app (TIKTOK.md), closed after the test."""
    simulator = Simulator(app_server.url)
    yield simulator
    simulator.http.close()
