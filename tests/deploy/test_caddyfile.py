"""The Caddyfile compose ships (deploy/Caddyfile), run by Debian's Caddy on loopback (the
scale test's variant: only its site address and upstreams replaced). Skipped without caddy
(`make scale-test` installs it)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.ports import free_port
from tests.scale.parts import ROOT, caddyfile_text

CADDY = shutil.which("caddy")
pytestmark = pytest.mark.skipif(CADDY is None, reason="caddy is not installed")
SAYS = "Archive is not answering right now: it is restarting or cannot reach its database."


def test_the_shipped_caddyfile_is_valid_for_a_domain() -> None:
    assert CADDY is not None
    checked = subprocess.run(
        [CADDY, "adapt", "--config", str(ROOT / "deploy/Caddyfile"), "--adapter", "caddyfile"],
        env={**os.environ, "ARCHIVE_DOMAIN": "archive.example.com"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr
    assert '"archive.example.com"' in checked.stdout and '"/_health"' in checked.stdout


@pytest.fixture
def caddy_without_replicas(tmp_path: Path) -> Iterator[str]:
    assert CADDY is not None
    port = free_port()
    config = tmp_path / "Caddyfile"
    config.write_text(caddyfile_text(port, [free_port(), free_port()]))  # nobody listens
    process = subprocess.Popen(
        [CADDY, "run", "--config", str(config), "--adapter", "caddyfile"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "caddy did not start"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_with_no_replica_to_send_to_caddy_answers_503_in_words_with_retry_after(
    caddy_without_replicas: str,
) -> None:
    answer = httpx.get(f"{caddy_without_replicas}/login/", timeout=30)
    assert answer.status_code == 503
    assert SAYS in answer.text
    assert answer.headers["retry-after"] == "60"
