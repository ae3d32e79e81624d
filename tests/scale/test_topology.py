"""Scale-out for real (issue 23, item 7): two ``archive serve`` replicas behind Caddy on their
own PostgreSQL and Redis (tests/scale/topology.py), checked through Caddy with 1,000 socket
tabs connecting as Chromium does (bench/tabs.py) and a few real Chromium tabs.

The checks run in this order on one topology, the tabs staying open from one to the next:
the pop-up to every tab; ``kill -9`` of the leading replica in the middle of a mail batch; a
source connected through the replica that does not lead; two quick Redis restarts; a 20 s
PostgreSQL outage. Figures are printed (``pytest -s`` shows them; ``make scale-test`` does).
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime

import httpx

from bench.push import ProcessTree, loadavg, wait_idle
from bench.tabs import Tab, boot_info, login_cookie, new_count
from tests.scale.parts import ROOT, wait_until
from tests.scale.tab_host import TabHosts
from tests.scale.topology import LEADER_LINE, Topology
from tests.scale.world import (
    BATCH_DOMAIN,
    BATCH_MEMBERS,
    TABS,
    LoopThread,
    Row,
    World,
    chromium_alerts,
    cpu_since,
    cut_by,
    leader_locks,
    new_owner_cookie,
    outbox_rows,
    p95,
    popup_round,
    post_login,
    revoke,
    say,
)

DOWN_SAYS = "Archive cannot reach its database; try again in a minute"


def target(what: str, value: float, limit: float, unit: str) -> None:
    """Say a timed figure beside the issue's target (met or missed), without failing on it."""
    verdict = "met" if value < limit else "MISSED"
    say(f"target {verdict}: {what} {value:.1f} {unit} (target < {limit} {unit})")


def _all_popups(loop: LoopThread, topo: Topology, world: World, tabs: TabHosts, n: int):
    # As bench/push.py measures: from a server that is done with what came before.
    loop.run(wait_idle(topo.servers(), since=time.perf_counter(), limit=30))
    result = popup_round(world, topo.url, tabs, n, loop)
    say(f"pop-up round {n + 1}: {result.summary()}")
    return result


def test_1000_tabs_on_both_replicas_and_chromium_tabs_all_get_the_popup_its_p95_reported(
    topo: Topology, world: World, loop: LoopThread, tabs: TabHosts, chromium: list[object]
) -> None:
    held = {r.name: topo.tabs_held(r) for r in topo.replicas}
    say(f"sockets held per replica: {held}")
    assert all(n >= TABS // 4 for n in held.values()), f"not spread over both: {held}"
    # The first revocation is not timed: it is the Chromium tabs' first pop-up (three renderers
    # drawing the dialog on the same two cores) and each worker's first time down this path.
    first = _all_popups(loop, topo, world, tabs, 0)
    assert first.status == 200 and first.missed == 0, first.summary()
    loop.run(chromium_alerts(chromium, first.handle))
    load, cpu = loadavg(), topo.cpu_seconds()
    latencies: list[float] = []
    for n in range(1, 4):
        result = _all_popups(loop, topo, world, tabs, n)
        assert result.status == 200 and result.missed == 0, result.summary()
        latencies += result.latencies_ms
        loop.run(chromium_alerts(chromium, result.handle))
    say(
        f"{TABS} tabs, two replicas behind Caddy, rounds 2-4: pop-up p50 "
        f"{statistics.median(latencies):.0f} / p95 {p95(latencies):.0f} / max "
        f"{max(latencies):.0f} ms (load average {load} → {loadavg()}); CPU s: "
        + cpu_since(topo, cpu)
    )
    # Speed is measured, not asserted (the project's rule): on the 2 shared cores the same code
    # gave p95 363 ms in one run and 677 ms an hour later. The figure and the target are said.
    target("pop-up p95 over rounds 2-4", p95(latencies), 500, "ms")


def test_kill_9_of_the_leader_mid_mail_batch_tabs_back_lead_taken_popup_and_mail_once(
    topo: Topology, world: World, loop: LoopThread, tabs: TabHosts, chromium: list[object]
) -> None:
    leader = topo.leader()
    other = next(r for r in topo.replicas if r is not leader)
    held = topo.tabs_held(leader)
    assert loop.run(revoke(world, topo.url, world.batch_open_id))[0].status_code == 200
    # The batch is due after the outage's 15 s hold; kill once a few mails are through.
    wait_until(lambda: len(topo.inbox.to(BATCH_DOMAIN)) >= 3, seconds=60, what="batch started")
    cpu = topo.cpu_seconds()
    killed_at, killed_wall = time.perf_counter(), datetime.now(UTC)
    leader.kill()
    sent_before = len(topo.inbox.to(BATCH_DOMAIN))
    say(f"killed {leader.name} (leader, {held} tabs) after {sent_before} of the batch's mails")
    try:
        again, moved = _tabs_back(topo, tabs, killed_at, cpu)
        took = wait_until(lambda: LEADER_LINE in other.log(), seconds=30, what="lead taken")
        say(f"{other.name} took the lead {time.perf_counter() - killed_at:.1f} s after the kill")
        result = _all_popups(loop, topo, world, tabs, 4)
        loop.run(chromium_alerts(chromium, result.handle))
        rows, received, cut = _batch_finished(topo, world, killed_wall)
    finally:  # the later checks need both replicas, whatever happened here
        restarted = leader.start()
        say(f"{leader.name} started again in {restarted:.1f} s")
    assert moved >= TABS * 0.4, f"only {moved} tabs had to reconnect ({held} held)"
    target("last dropped tab hydrated again after the kill", max(again), 10, "s")
    assert took < 30
    assert result.status == 200 and result.missed == 0, result.summary()
    assert len(received) == len(set(received)), "a mail was sent twice"
    assert len(cut) <= 1  # one drain at a time sends one mail at a time
    assert {r.to for r in rows if r.status == "sent"} <= set(received)
    assert len(received) >= BATCH_MEMBERS - len(cut)
    assert topo.inbox.twice() == []
    assert LEADER_LINE not in leader.log()
    assert leader_locks(topo.postgres.url) == 1


def _tabs_back(
    topo: Topology, tabs: TabHosts, killed_at: float, cpu: dict[str, float]
) -> tuple[list[float], int]:
    """Seconds from the kill to each dropped tab hydrated again, and how many dropped."""

    def dropped() -> bool:
        return any(t.reconnecting or (t.disconnected_at or 0) > killed_at for t in tabs.states())

    def back() -> bool:
        return all(t.connected and not t.reconnecting and t.hydrated_at for t in tabs.states())

    wait_until(dropped, seconds=5, what="the killed replica's tabs dropped")
    # Waited for longer than the target, so a miss is measured, not only reported as missed.
    wait_until(back, seconds=60, what="every tab connected and hydrated again")
    moved = [t for t in tabs.states() if (t.reconnected_at or 0) > killed_at]
    connected = [(t.reconnected_at or 0) - killed_at for t in moved]
    again = [(t.hydrated_at or 0) - killed_at for t in moved]
    say(
        f"{len(moved)} tabs reconnected through Caddy within {max(connected):.1f} s of the "
        f"kill (p50 {statistics.median(connected):.1f} s), hydrated again within "
        f"{max(again):.1f} s (p50 {statistics.median(again):.1f} s); CPU s: " + cpu_since(topo, cpu)
    )
    return again, len(moved)


def _batch_finished(
    topo: Topology, world: World, killed_wall: datetime
) -> tuple[list[Row], list[str], list[Row]]:
    """Waits until every mail of the batch is sent or was cut by the kill; returns the rows,
    the batch's recipients as the SMTP server received them, and the cut rows."""

    def done() -> bool:
        rows = outbox_rows(topo.postgres.url, world.batch_workspace_id)
        finished = [r for r in rows if r.status == "sent"] + cut_by(rows, killed_wall)
        return len(rows) == len(finished) == BATCH_MEMBERS

    wait_until(done, seconds=60, what="the rest of the mail batch sent")
    rows = outbox_rows(topo.postgres.url, world.batch_workspace_id)
    received = [m.to for m in topo.inbox.to(BATCH_DOMAIN)]
    cut = cut_by(rows, killed_wall)
    say(f"mail batch: {len(received)} of {BATCH_MEMBERS} received, {len(cut)} cut mid-send")
    return rows, received, cut


def test_a_source_connected_through_the_replica_that_does_not_lead_has_mentions_within_10_s(
    topo: Topology, loop: LoopThread
) -> None:
    from archive_app.states.feed import FeedState
    from tests.browser.live_team import mentions

    follower = next(r for r in topo.replicas if r.running and LEADER_LINE not in r.log())
    direct = f"http://127.0.0.1:{follower.port}"
    cookie = new_owner_cookie(topo.postgres.url)
    brand, caption = f"scale{uuid.uuid4().hex[:6]}", f"scale mention {uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=f"{topo.url}/_sim/control", timeout=10) as control:
        assert control.post("/accounts", json={"username": brand}).status_code < 300
        posted = control.post(
            "/mentions", json={"brand_username": brand, "creator_handle": "ann", "caption": caption}
        )
        assert posted.status_code < 300, posted.text

    async def go() -> float:
        boot = await asyncio.to_thread(boot_info, ROOT, topo.env)
        async with Tab(topo.url, cookie=cookie, path="/feed/", boot=boot) as feed:
            await feed.wait_hydrated()
            async with httpx.AsyncClient(headers={"Cookie": cookie}, timeout=10) as browser:
                start = await browser.get(f"{direct}/oauth/tiktok/v2/start")
                assert start.status_code in (302, 303, 307), start.text
                consent = await browser.post(
                    start.headers["location"], data={"username": brand, "decision": "authorize"}
                )
                back = consent.headers["location"]
                assert back.startswith(f"{topo.url}/oauth/tiktok/callback"), back
                done = await browser.get(direct + back.removeprefix(topo.url))  # the follower
                assert done.status_code == 303 and "connected=" in done.headers["location"]
                connected_at = time.monotonic()
            await feed.wait_for(new_count(1), timeout=10)
            seconds = time.monotonic() - connected_at
            await feed.emit(f"{FeedState.get_full_name()}.show_new")
            await feed.wait_for(mentions(caption), timeout=10)
            return seconds

    seconds = loop.run(go())
    say(f"source connected through {follower.name} (not the leader): mention in {seconds:.1f} s")
    assert seconds < 10


def test_two_quick_redis_restarts_leave_every_tab_working_and_the_next_popup_reaches_all(
    topo: Topology, world: World, loop: LoopThread, tabs: TabHosts
) -> None:
    for _ in range(2):
        topo.redis.kill()
        topo.redis.start()
        time.sleep(1)
    time.sleep(3)
    result = _all_popups(loop, topo, world, tabs, 5)
    for replica in topo.replicas:
        log = replica.log()
        say(
            f"{replica.name} after two Redis restarts: Reflex gave up a subscription "
            f"{log.count('exceeded exception limit')} time(s), started again "
            f"{log.count('subscription on Redis had stopped; started it again')} time(s)"
        )
    assert all(t.connected for t in tabs.states())
    assert result.status == 200 and result.missed == 0, result.summary()

    async def new_tab() -> float:
        boot = await asyncio.to_thread(boot_info, ROOT, topo.env)
        cookie = await login_cookie(topo.url, world.demo.email, world.demo.password)
        async with Tab(topo.url, cookie=cookie, boot=boot) as tab:
            return await tab.wait_hydrated() - (tab.connected_at or 0)

    assert loop.run(new_tab()) < 10  # a tab opened now loads as before


def test_a_20_s_postgresql_outage_answers_503_then_everything_recovers_by_itself(
    topo: Topology, world: World, loop: LoopThread, tabs: TabHosts
) -> None:
    topo.postgres.stop()
    down_at = time.monotonic()
    try:
        time.sleep(2)
        pages = {
            r.name: post_login(topo, f"http://127.0.0.1:{r.port}", world.demo.email)
            for r in topo.replicas
        }
        health = {
            r.name: httpx.get(f"http://127.0.0.1:{r.port}/_health", timeout=30).status_code
            for r in topo.replicas
        }
        through = post_login(topo, topo.url, world.demo.email)
        say(
            f"during the outage: the replicas answer {[p.status_code for p in pages.values()]}, "
            f"/_health {list(health.values())}; through Caddy: {through.status_code} "
            f"{through.text[:80]!r}"
        )
        time.sleep(max(0.0, 20 - (time.monotonic() - down_at)))
    finally:
        topo.postgres.start()
    for name, page in pages.items():
        assert page.status_code == 503 and DOWN_SAYS in page.text, (name, page.text[:300])
        assert "Traceback" not in page.text
    assert set(health.values()) == {503}
    assert through.status_code == 503 and "Archive is not answering right now" in through.text
    up_at, up_wall = time.monotonic(), datetime.now(UTC)

    def logs_in() -> bool:
        try:
            loop.run(login_cookie(topo.url, world.demo.email, world.demo.password))
        except (RuntimeError, httpx.HTTPError):
            return False
        return True

    wait_until(logs_in, seconds=30, what="log in through Caddy after the outage")
    say(f"log in works {time.monotonic() - up_at:.1f} s after PostgreSQL is back")
    result = _all_popups(loop, topo, world, tabs, 6)
    assert result.status == 200 and result.missed == 0, result.summary()

    def drained() -> bool:
        return all(r.status != "pending" for r in outbox_rows(topo.postgres.url))

    wait_until(lambda: leader_locks(topo.postgres.url) == 1, seconds=30, what="one leader")
    wait_until(drained, seconds=60, what="every queued mail sent")
    time.sleep(2)  # a mail being sent now is finished
    rows = outbox_rows(topo.postgres.url)
    sent = sum(r.status == "sent" for r in rows)
    cut = len(cut_by(rows, up_wall))
    say(f"mail overall: {len(rows)} queued, {sent} sent, {cut} cut by the kill, none twice")
    assert all(r.status in ("sent", "sending") for r in rows)
    assert sent + cut == len(rows)
    assert topo.inbox.twice() == []
    assert sent <= len(topo.inbox.mails()) <= sent + cut
    for replica in topo.replicas:
        assert ProcessTree(replica.proc.pid).pids()  # type: ignore[union-attr]
        health = httpx.get(f"http://127.0.0.1:{replica.port}/_health", timeout=10)
        assert health.status_code == 200
