"""The topology test (issue 23, item 7) takes minutes and starts its own PostgreSQL, Redis,
Caddy and two replicas: it runs with ``make scale-test`` (ARCHIVE_SCALE_TEST=1), not in
``make test``, where its tests are reported as skipped with the reason.

The fixtures are module-scoped: one topology, and tabs that stay open from one check to the
next (their event loop runs in a thread of its own, ``LoopThread``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.tabs import boot_info, login_cookie
from tests.scale.parts import ROOT, missing_tools
from tests.scale.tab_host import TabHosts
from tests.scale.topology import Topology
from tests.scale.world import CHROMIUM_TABS, TABS, LoopThread, World, make_world, say

WHY = "the topology test runs with `make scale-test` (ARCHIVE_SCALE_TEST=1)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if os.environ.get("ARCHIVE_SCALE_TEST") == "1":
        return
    for item in items:
        if "tests/scale/" in str(item.path):
            item.add_marker(pytest.mark.skip(reason=WHY))


@pytest.fixture(scope="module")
def topo() -> Iterator[Topology]:
    why = missing_tools()
    if why:
        pytest.skip(why)
    work = Path(tempfile.mkdtemp(prefix="archive-scale-"))
    began = time.monotonic()
    try:
        with Topology(work) as topology:
            say(
                f"topology up in {time.monotonic() - began:.0f} s (frontend build "
                f"{topology.build_seconds:.0f} s): Caddy {topology.url}, replicas "
                f"{[r.port for r in topology.replicas]}, work dir {work}"
            )
            yield topology
    finally:
        if os.environ.get("ARCHIVE_SCALE_KEEP") != "1":
            shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def world(topo: Topology) -> World:
    return make_world(topo.env, topo.postgres.url)


@pytest.fixture(scope="module")
def loop() -> Iterator[LoopThread]:
    thread = LoopThread()
    yield thread
    thread.close()


@pytest.fixture(scope="module")
def tabs(topo: Topology, world: World, loop: LoopThread) -> Iterator[TabHosts]:
    """The demo owner's tabs of Settings → Sources through Caddy, reconnecting like a browser,
    held by two processes of their own (tests/scale/tab_host.py)."""
    hosts = TabHosts(topo.work)
    topo.extra_cpu["tab hosts"] = hosts.cpu_seconds
    try:
        boot = boot_info(ROOT, topo.env)
        cookie = loop.run(login_cookie(topo.url, world.demo.email, world.demo.password))
        began = time.perf_counter()
        hosts.open(topo.url, cookie, TABS, boot)
        say(f"{TABS} tabs open and hydrated through Caddy in {time.perf_counter() - began:.1f} s")
        yield hosts
    finally:
        hosts.close()


@pytest.fixture(scope="module")
def chromium(topo: Topology, world: World, loop: LoopThread) -> Iterator[list[object]]:
    """A few real Chromium tabs (Playwright, Debian's chromium) on the Feed, signed in."""
    from playwright.async_api import async_playwright

    executable = shutil.which("chromium")
    if not executable:
        pytest.fail("Debian's chromium is not installed: run `make scale-test` (it installs it)")

    async def start() -> tuple[object, object, list[object]]:
        driver = await async_playwright().start()
        browser = await driver.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu", "--disable-quic"]
        )
        pages = []
        for _ in range(CHROMIUM_TABS):
            context = await browser.new_context(base_url=topo.url)
            context.set_default_timeout(30_000)
            page = await context.new_page()
            await page.goto("/login")
            await page.get_by_label("Email").fill(world.demo.email)
            await page.get_by_label("Password").fill(world.demo.password)
            await page.get_by_role("button", name="Log in").click()
            await page.wait_for_url("**/feed/**")
            pages.append(page)
        return driver, browser, pages

    driver, browser, pages = loop.run(start())
    yield pages

    async def stop() -> None:
        await browser.close()
        await driver.stop()

    loop.run(stop())
