"""The built image, run as a container (``make image-test`` builds it, then runs these).

Docker where its daemon answers, else podman (Debian's package). Checked: no ``.env`` in the
image (a canary deploy/.env was in the build folder), /app read-only to the server's user,
an empty production config refused by name, a bind-mounted /data it cannot write said once
with the fix, then one instance on a named volume with a
read-only root filesystem (``--read-only --tmpfs /tmp``, as README → Deploy says): healthy,
not root, an owner logs in through Chromium with the websocket open, SIGTERM ends it with
exit 0 within 10 s, and a new container on the same volume still has that owner. Its first
visit shows "Set up Archive" without "Log in to Archive" flashing first.

Skipped unless ``ARCHIVE_IMAGE`` names the image (tests/deploy/image_test.sh sets it).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import at
from tests.production_settings import FERNET_KEY

IMAGE = os.environ.get("ARCHIVE_IMAGE", "")
ENGINE = shlex.split(os.environ.get("ARCHIVE_IMAGE_ENGINE", "docker"))
RUN_OPTS = shlex.split(os.environ.get("ARCHIVE_IMAGE_RUN_OPTS", ""))
# The port the image was built for: below Linux's ephemeral ports (32768-60999), which any
# outgoing connection may hold for a while (one did once, and the container could not start).
PORT = int(os.environ.get("ARCHIVE_IMAGE_PORT", "28080"))
CANARY = os.environ.get("ARCHIVE_IMAGE_CANARY", "")
PUBLIC_URL = f"http://archive.localhost:{PORT}"  # Chromium sends *.localhost to loopback
OWNER, PASSWORD = "owner@brand.example", "owner-pass-1"

pytestmark = pytest.mark.skipif(not IMAGE, reason="`make image-test` builds the image first")

PRODUCTION = {
    "ARCHIVE_MODE": "production",
    "ARCHIVE_PUBLIC_URL": PUBLIC_URL,
    "ARCHIVE_ALLOW_INSECURE_HTTP": "true",
    "ARCHIVE_ENCRYPTION_KEY": FERNET_KEY,
    "ARCHIVE_TIKTOK_V1_CLIENT_KEY": "awlivev1key",
    "ARCHIVE_TIKTOK_V1_CLIENT_SECRET": "live-v1-secret-value",
    "ARCHIVE_TIKTOK_V2_CLIENT_KEY": "awlivev2key",
    "ARCHIVE_TIKTOK_V2_CLIENT_SECRET": "live-v2-secret-value",
    "ARCHIVE_SMTP_HOST": "127.0.0.1",
    "ARCHIVE_SMTP_PORT": "2525",
    "ARCHIVE_MAIL_FROM": "Archive <archive@brand.example>",
}


def engine(
    *args: str, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*ENGINE, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _env_flags(env: dict[str, str]) -> list[str]:
    return [flag for name, value in env.items() for flag in ("-e", f"{name}={value}")]


def run_once(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """A throw-away container of the image running ``command`` (the entrypoint when empty)."""
    entry = ["--entrypoint", command[0]] if command else []
    return engine("run", "--rm", *RUN_OPTS, *_env_flags(env or {}), *entry, IMAGE, *command[1:])


@dataclass
class Container:
    name: str

    def logs(self) -> str:
        done = engine("logs", self.name)
        return done.stdout + done.stderr

    def state(self, field: str) -> str:
        return engine("inspect", "--format", "{{.State." + field + "}}", self.name).stdout.strip()

    def healthy(self) -> bool:
        """The image's HEALTHCHECK, as Docker runs it (podman without systemd: on demand)."""
        if ENGINE[0].endswith("podman"):
            return engine("healthcheck", "run", self.name, timeout=30).returncode == 0
        return self.state("Health.Status") == "healthy"

    def wait_healthy(self, timeout: float = 120) -> float:
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            if self.state("Running") != "true":
                raise AssertionError(f"the container stopped:\n{self.logs()[-4000:]}")
            if self.healthy():
                return time.monotonic() - began
            time.sleep(1)
        raise AssertionError(f"not healthy in {timeout}s:\n{self.logs()[-4000:]}")


def start(volume: str) -> Container:
    name = f"archive-image-test-{uuid.uuid4().hex[:8]}"
    done = engine(
        "run", "-d", "--name", name, *RUN_OPTS, "--read-only", "--tmpfs", "/tmp",
        "-p", f"127.0.0.1:{PORT}:3000", "-v", f"{volume}:/data",
        *_env_flags(PRODUCTION), IMAGE,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return Container(name)


@pytest.fixture(scope="module")
def volume() -> Iterator[str]:
    name = f"archive-image-test-{uuid.uuid4().hex[:8]}"
    assert engine("volume", "create", name).returncode == 0
    yield name
    engine("volume", "rm", "-f", name)


def test_the_image_holds_no_env_file_and_only_what_it_runs():
    found = run_once(
        "sh", "-c",
        "find / -xdev \\( -name '.env' -o -name '*.env' -o -name '.env.*' \\) -print; "
        "ls -A /app/deploy; ls -d /app/tests /app/bench /app/.git 2>/dev/null; true",
    )  # fmt: skip
    assert found.returncode == 0, found.stderr
    assert found.stdout.split() == ["entrypoint.sh"]  # no .env anywhere; deploy/ is the script
    if CANARY:  # the build folder had a deploy/.env holding this value
        grep = run_once("sh", "-c", f"grep -rl {shlex.quote(CANARY)} /app /opt/venv; true")
        assert grep.stdout.strip() == ""


def test_app_is_read_only_to_the_server_user_and_data_is_its_own():
    done = run_once(
        "sh", "-c",
        "id -u; touch /app/archive_app/x 2>/dev/null && echo app-writable; "
        "touch /app/.web/x 2>/dev/null && echo web-writable; "
        "touch /data/x && echo data-writable",
    )  # fmt: skip
    assert done.stdout.split() == ["10001", "data-writable"], done.stdout + done.stderr


def test_an_empty_production_config_is_refused_naming_each_missing_setting():
    done = run_once(env={"ARCHIVE_MODE": "production"})
    assert done.returncode == 1
    said = done.stdout + done.stderr
    assert "Archive refuses these settings:" in said
    for name in ("ARCHIVE_ENCRYPTION_KEY", "ARCHIVE_PUBLIC_URL", "ARCHIVE_SMTP_HOST"):
        assert f"  - {name} is not set" in said
    assert "Traceback" not in said and "database not reachable" not in said


def test_a_data_folder_the_server_user_cannot_write_is_said_once_with_the_fix(tmp_path):
    folder = tmp_path / "root-owned"  # a bind mount of a folder the runner owns, mode 755
    folder.mkdir(mode=0o755)
    done = engine(
        "run", "--rm", *RUN_OPTS, "-v", f"{folder}:/data", *_env_flags(PRODUCTION), IMAGE
    )  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 1, said[-3000:]
    assert said.count("entrypoint: cannot write the data directory /data (uid 10001)") == 1
    assert "chown -R 10001:10001" in said
    assert "Traceback" not in said and "database not reachable" not in said


def test_a_container_serves_stops_on_sigterm_and_keeps_its_data(browser, volume):
    first = start(volume)
    try:
        first.wait_healthy()
        # not root: the server (tini's child, after the entrypoint's exec) is uid 10001
        uids = engine("exec", first.name, "sh", "-c", "grep -h '^Uid:' /proc/[0-9]*/status")
        assert {line.split()[1] for line in uids.stdout.splitlines()} == {"10001"}
        logs = first.logs()
        assert logs.count("Archive is ready at") == 1
        _fresh_instance_shows_set_up_without_a_log_in_flash(browser)
        made = engine(
            "exec", "-i", first.name, "archive", "create-user", "--email", OWNER,
            "--workspace", "Brand", "--password-stdin", stdin=PASSWORD + "\n",
        )  # fmt: skip
        assert made.returncode == 0, made.stdout + made.stderr
        _log_in_with_chromium(browser)

        began = time.monotonic()
        stopped = engine("stop", "-t", "10", first.name, timeout=60)
        took = time.monotonic() - began
        assert stopped.returncode == 0 and first.state("ExitCode") == "0", first.logs()[-3000:]
        assert took < 10, f"SIGTERM to exit took {took:.1f}s"
        assert "scheduler stopped" in first.logs()  # the graceful path ran
    finally:
        engine("rm", "-f", first.name)

    second = start(volume)  # a new container on the same volume: an upgrade, a restart
    try:
        second.wait_healthy()
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=20) as web:
            login = web.post(
                "/auth/login",
                data={"email": OWNER, "password": PASSWORD},
                headers={"origin": PUBLIC_URL, "host": f"archive.localhost:{PORT}"},
            )
        assert login.status_code == 303 and login.headers["location"] == "/feed"
        assert "archive_session" in login.cookies
        assert "has no owner yet" not in second.logs()
    finally:
        engine("rm", "-f", second.name)


# Every heading the page ever shows, from the first parsed byte on.
RECORD_HEADINGS = """
window.__headings = [];
new MutationObserver(() => {
  for (const h of document.querySelectorAll("h1, h2, h3")) {
    if (!window.__headings.includes(h.textContent)) window.__headings.push(h.textContent);
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def _fresh_instance_shows_set_up_without_a_log_in_flash(browser) -> None:
    context = browser.new_context(base_url=PUBLIC_URL)
    context.set_default_timeout(30_000)
    context.add_init_script(RECORD_HEADINGS)
    try:
        page = context.new_page()
        page.goto("/login")
        expect(page.get_by_role("heading", name="Set up Archive")).to_be_visible()
        seen = page.evaluate("window.__headings")
        assert "Log in to Archive" not in seen, seen
    finally:
        context.close()


def _log_in_with_chromium(browser) -> None:
    context = browser.new_context(base_url=PUBLIC_URL)
    context.set_default_timeout(30_000)
    sockets = []
    try:
        page = context.new_page()
        page.on("websocket", lambda socket: sockets.append(socket))
        page.goto("/login")
        page.get_by_label("Email").fill(OWNER)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(at("/feed"))
        # the workspace's name arrives over the websocket: it is open and answering
        expect(page.get_by_test_id("workspace-name")).to_have_text("Brand")
        live = [s for s in sockets if "/_event" in s.url and not s.is_closed()]
        assert live and live[-1].url.startswith(f"ws://archive.localhost:{PORT}/_event")
    finally:
        context.close()
