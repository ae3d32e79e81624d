"""A health-check disconnection on PostgreSQL + Redis with two workers (skipped, with the
reason, without them). Its own app: the jobs it runs would disconnect the sources of
test_live_scale's other tests too."""

from __future__ import annotations

import asyncio

import httpx

from archive_app.settings import Mode, Settings
from bench.tabs import alerts_mention, boot_info, open_tabs
from tests.browser.live_team import make_team
from tests.browser.test_live_scale import (  # noqa: F401  (module-scoped fixtures)
    TABS,
    redis_database,
    scaled_app,
    socket_holders,
)


def test_a_health_check_disconnection_reaches_every_tab_on_either_worker(
    scaled_app,  # noqa: F811
):
    """The source's tokens are not TikTok's (written straight into the database): the check
    finds the access token refused, the refresh finds the refresh token refused, and the
    source is disconnected by the jobs, not by a webhook."""
    settings = Settings(
        mode=Mode.test,
        data_dir=scaled_app.data_dir,
        public_url=scaled_app.url,
        database_url=scaled_app.database_url,
    )
    team = make_team(scaled_app.url, settings, name="healthscale")

    async def go() -> None:
        boot = await asyncio.to_thread(boot_info)
        tabs = await open_tabs(team.url, team.owner_cookie, TABS, boot=boot)
        await asyncio.gather(*(t.wait_hydrated() for t in tabs))
        assert len(socket_holders(scaled_app)) == 2, "the tabs did not land on both workers"
        async with httpx.AsyncClient(base_url=team.url, timeout=60) as http:
            checked = (await http.post("/dev/jobs/check_sources")).json()
            assert checked["ok"] and checked["result"]["stale"] >= 1, checked
            refreshed = (await http.post("/dev/jobs/refresh_tokens")).json()
            assert refreshed["ok"] and refreshed["result"]["refused"] >= 1, refreshed
        await asyncio.gather(*(t.wait_for(alerts_mention(team.handle), timeout=20) for t in tabs))
        await asyncio.sleep(1.0)
        for tab in tabs:  # one pop-up per tab, not one per worker
            assert sum(alerts_mention(team.handle)(f) for f in tab.frames) == 1
        await asyncio.gather(*(t.disconnect() for t in tabs))

    asyncio.run(go())
    assert "Traceback" not in scaled_app.log_path.read_text()
