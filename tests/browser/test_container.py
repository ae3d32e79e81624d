"""The image's way of running, in Chromium: the frontend built once (`reflex export`), then
deploy/entrypoint.sh in production mode. A fresh instance's first visit creates the owner.

Production refuses a loopback public URL, so the app is reached as ``archive.localhost``
(Chromium sends *.localhost to the loopback address). The build goes to a web dir of its own
(REFLEX_WEB_WORKDIR), so the other browser tests' server keeps its pages.
"""

from __future__ import annotations

import fcntl
import subprocess

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import private_web_dir
from tests.browser.helpers import assert_accessible, at
from tests.deploy.conftest import BIN, BOOT_LOCK, ROOT, _base_env, entrypoint, production_env
from tests.deploy.test_setup_code import _printed_code
from tests.ports import free_port


@pytest.fixture(scope="module")
def container(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("container")
    port, smtp = free_port(), free_port()
    web = tmp / "web"
    env = production_env(
        tmp / "data",
        port,
        smtp,
        ARCHIVE_PUBLIC_URL=f"http://archive.localhost:{port}",
        REFLEX_WEB_WORKDIR=str(web),
    )
    with open(BOOT_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        private_web_dir(web)
        built = subprocess.run(
            [str(BIN / "reflex"), "export", "--frontend-only", "--no-zip", "--env", "prod"],
            cwd=ROOT,
            env={**env, **{k: v for k, v in _base_env().items() if k == "PATH"}},
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    with entrypoint(env, tmp / "app.log") as started:
        yield started, port


def test_the_first_visit_of_a_fresh_production_instance_creates_the_owner(browser, container):
    started, port = container
    context = browser.new_context(base_url=f"http://archive.localhost:{port}")
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        page.goto("/login")
        expect(page.get_by_role("heading", name="Set up Archive")).to_be_visible()
        expect(page.get_by_test_id("demo-hint")).to_have_count(0)  # no demo in production
        assert_accessible(page)
        page.get_by_label("Your email").fill("founder@brand.example")
        page.get_by_label("Password (at least 8 characters)").fill("founder-pass-1")
        page.get_by_label("Workspace name").fill("Brand")
        # the one-time code the server printed in its log (a stranger does not have it)
        page.get_by_label("Setup code").fill(_printed_code(started)[1])
        page.get_by_role("button", name="Create owner account").click()
        page.wait_for_url(at("/settings/sources"))
        # the workspace name arrives over the websocket: the built pages found the server
        expect(page.get_by_test_id("workspace-name")).to_have_text("Brand")
        assert_accessible(page)

        stranger = browser.new_context(base_url=f"http://archive.localhost:{port}").new_page()
        stranger.goto("/login")
        expect(stranger.get_by_role("heading", name="Log in to Archive")).to_be_visible()
        stranger.context.close()
    finally:
        context.close()
    assert httpx.get(f"{started.url}/_health", timeout=5).status_code == 200
