"""A fresh production instance, started as the image starts it: the first owner needs the setup
code printed in the server's log, so a stranger who reaches it first cannot claim it."""

from __future__ import annotations

import re
import time

import httpx

from tests.deploy.conftest import HOST, entrypoint, production_env

CODE_LINE = re.compile(
    r"Archive has no owner yet\. Open (\S+)/login and enter the setup code "
    r"([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})"
)
FORM = {"email": "founder@brand.example", "password": "founder-pass-1", "workspace": "Brand"}


def _printed_code(started, timeout: float = 30) -> tuple[str, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = CODE_LINE.search(started.log())
        if found:
            return found.group(1), found.group(2)
        time.sleep(0.3)
    raise AssertionError(f"no setup code in the log:\n{started.log()[-3000:]}")


def test_a_fresh_production_instance_needs_the_setup_code_from_its_log(
    built_frontend, tmp_path, ports
):
    port, smtp = ports
    env = production_env(tmp_path / "data", port, smtp)
    with entrypoint(env, tmp_path / "app.log") as started:
        public_url, code = _printed_code(started)
        assert public_url == f"http://{HOST}:{port}"
        headers = {"host": f"{HOST}:{port}", "origin": public_url}
        with httpx.Client(base_url=started.url, headers=headers, timeout=30) as client:
            stranger = client.post("/auth/setup", data=FORM)
            assert stranger.status_code == 303 and stranger.headers["location"] == "/login"
            assert "archive_session" not in stranger.cookies
            guess = client.post("/auth/setup", data={**FORM, "setup_code": "AAAA-AAAA-AAAA"})
            assert "archive_session" not in guess.cookies
            owner = client.post("/auth/setup", data={**FORM, "setup_code": code})
            assert owner.status_code == 303
            assert owner.headers["location"] == "/settings/sources"
            assert owner.cookies.get("archive_session")
            client.cookies.clear()
            again = client.post(
                "/auth/setup",
                data={**FORM, "email": "second@evil.example", "setup_code": code},
            )
            assert "archive_session" not in again.cookies
