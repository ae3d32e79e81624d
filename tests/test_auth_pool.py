"""argon2 work runs on a small bounded pool of its own: page loads never wait behind it, and a
flood is refused at once instead of queueing forever."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from starlette.applications import Starlette

from archive_app import deps as deps_module
from archive_app.api.auth import auth_routes
from archive_app.db import BoundedPool
from archive_app.services.errors import Busy
from archive_app.web.flash import FLASH_COOKIE, read_flash


async def _block_auth_pool(deps, release: threading.Event) -> list[asyncio.Task[None]]:
    """Fill every auth thread with work that waits for ``release``; return once they run."""
    started = threading.Semaphore(0)

    def stuck(_session) -> None:
        started.release()
        release.wait(30)

    tasks = [asyncio.ensure_future(deps.auth_db(stuck)) for _ in range(deps_module.AUTH_THREADS)]
    for _ in range(deps_module.AUTH_THREADS):
        assert await asyncio.to_thread(started.acquire, True, 30)
    return tasks


async def test_a_page_load_unit_of_work_completes_while_every_auth_thread_is_busy(app_deps):
    release = threading.Event()
    blocked = await _block_auth_pool(app_deps, release)
    try:
        # The wait_for only keeps a broken build from hanging the suite.
        assert await asyncio.wait_for(app_deps.db(lambda s: "feed loaded"), 30) == "feed loaded"
        assert not any(task.done() for task in blocked)
    finally:
        release.set()
        await asyncio.gather(*blocked)


async def test_auth_work_beyond_the_queue_bound_is_refused_at_once_with_a_readable_message(
    app_deps,
):
    release = threading.Event()
    blocked = await _block_auth_pool(app_deps, release)
    waiting = [
        asyncio.ensure_future(app_deps.auth_db(lambda s: "queued"))
        for _ in range(deps_module.AUTH_MAX_WAITING)
    ]
    await asyncio.sleep(0)  # let every queued call reach the pool
    try:
        with pytest.raises(Busy, match=r"^Archive is busy\. Try again in a minute\.$"):
            await app_deps.auth_db(lambda s: "one too many")
    finally:
        release.set()
        await asyncio.gather(*blocked)
    assert await asyncio.gather(*waiting) == ["queued"] * deps_module.AUTH_MAX_WAITING
    assert await app_deps.auth_db(lambda s: "room again") == "room again"


async def test_a_full_auth_pool_sends_the_login_form_back_saying_archive_is_busy(app_deps):
    release = threading.Event()
    blocked = await _block_auth_pool(app_deps, release)
    waiting = [
        asyncio.ensure_future(app_deps.auth_db(lambda s: None))
        for _ in range(deps_module.AUTH_MAX_WAITING)
    ]
    await asyncio.sleep(0)
    app = Starlette(routes=auth_routes(app_deps))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.post(
                "/auth/login", data={"email": "a@brand.com", "password": "whatever-1"}
            )
    finally:
        release.set()
        await asyncio.gather(*blocked, *waiting)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    flash = read_flash(
        f"{FLASH_COOKIE}={response.cookies.get(FLASH_COOKIE)}",
        page="/login",
        key=app_deps.cipher.signing_key,
    )
    assert flash is not None and flash.error == "Archive is busy. Try again in a minute."


async def test_the_pool_runs_work_on_its_own_threads_not_the_default_executor():
    pool = BoundedPool(threads=1, max_waiting=0, name="probe", refuse=Busy)
    try:
        assert (await pool.run(lambda: threading.current_thread().name)).startswith("probe")
    finally:
        pool.shutdown()
