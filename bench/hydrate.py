"""Server CPU per tab (re)hydrate: what one tab of Settings → Sources costs the server when it
connects, and when it comes back after its replica was killed (the scale test's ``kill -9``).

    python -m bench.hydrate                    # 200 tabs, PostgreSQL + Redis, py-spy profile
    python -m bench.hydrate --tabs 500 --no-profile
    python -m bench.hydrate --app-dir /tmp/archive-head   # another checkout (`git archive`)

One run, with the app as it runs scaled out (Redis state manager, PostgreSQL):

1. a new database ``archive_bench_<hex>`` on the PostgreSQL server of ``--database-url``
   (dropped at the end), migrated and seeded as ``tests/scale`` seeds it: "Demo Brand" and 10
   connected v.2 sources; an empty Redis database (the first empty one of 1..15 on the server
   of ``--redis-url``, flushed at the end);
2. server A: ``reflex run --env prod --backend-only`` with one Granian worker (the backend
   ``archive serve`` runs, without the built pages; bench/push.py's ``Server``);
3. **connect**: ``--tabs`` tabs with the owner's cookie, ``--batch`` at a time, each sending the
   first page load's ``hydrate_and_load`` (with the compiled hashes) in its CONNECT packet;
   server CPU (utime + stime of its process tree, from /proc) from before the first tab until
   the server is idle again, divided by the tabs;
4. **rehydrate**: server B starts on the same database and Redis; A is killed with SIGKILL
   (its tabs' states stay in Redis) and every tab reconnects to B with a full rehydrate
   (``first=False``: no hashes), as ``state.js`` does; B's CPU per tab, and the wall time from
   the kill to the last tab hydrated (2 cores shared with the tab clients: a figure, not a
   target);
   Before the kill B serves 20 tabs of its own, as a survivor has: its first queries
   (SQLAlchemy configures its mappers) and its pools are warm, so only rehydrates are counted;
5. per phase also: the Redis commands per tab (the server's ``INFO commandstats``, so only
   while nothing else uses that Redis server), one tab's keys in Redis and the frames it got
   (``--frames``: the vars each delta carried);
6. with py-spy (``pip install py-spy``; default on when it is installed) each phase is also
   sampled (``py-spy record --subprocesses --nonblocking``, on-CPU samples of every thread)
   and printed: where the samples went (``WHERE``: our database work, Reflex's state lock /
   read / write, the hydrate, sockets, ...), our functions inclusive, and the top functions
   by self time. py-spy runs outside the server's process tree, so the CPU figures do not
   count it (sampling still slows the server a little: ``--no-profile`` for the cleanest
   CPU figures). The raw stacks stay in the work dir (``connect.txt``, ``rehydrate.txt``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, cast

import httpx

from bench.common import machine, report
from bench.push import (
    Server,
    fresh_postgres,
    fresh_redis,
    git_head,
    loadavg,
    migrate,
    prepare_data,
    server_env,
    wait_idle,
)
from bench.tabs import (
    ROOT,
    SOURCES_PATH,
    Frame,
    Tab,
    boot_info,
    close_tabs,
    login_cookie,
    open_tabs,
)
from tests.ports import free_port

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
SOURCES = 10  # connected sources of the workspace, as tests/scale/world.py makes
WARM_TABS = 20  # tabs server B serves before the kill (see rehydrate_phase)


# --------------------------------------------------------------------------- profile


class Sampler:
    """``py-spy record`` of a process tree for the duration of a ``with`` block."""

    def __init__(self, pid: int, out: Path, rate: int) -> None:
        self.pid, self.out, self.rate = pid, out, rate
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Sampler:
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        self.proc = subprocess.Popen(
            [
                *(spy, "record", "--pid", str(self.pid), "--subprocesses", "--nonblocking"),
                *("--rate", str(self.rate), "--format", "raw", "--output", str(self.out)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(0.5)  # attached before the work starts
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def read_stacks(path: Path) -> Counter[tuple[str, ...]]:
    """py-spy's raw (collapsed) output: ``frame;frame;...;frame count`` per line, root first."""
    stacks: Counter[tuple[str, ...]] = Counter()
    if not path.exists():
        return stacks
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks[tuple(_short(f) for f in stack.split(";"))] += int(count)
    return stacks


def _short(frame: str) -> str:
    """``name (path/to/site-packages/pkg/mod.py:12)`` → ``name (pkg/mod.py)``."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/lib/python3.11/", str(ROOT) + "/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{name} ({where})" if where else name


# Where a sample goes: the first marker found anywhere in its stack, in this order.
WHERE = (
    ("SessionRunner._run", "our on_load's database work (run_db threads)"),
    ("ConnectionPool.make_connection", "redis-py: opening a connection"),
    ("_ModifyStateWithLinks.__aenter__", "Reflex: lock, read and unpickle the tab's states"),
    ("_ModifyStateWithLinks.__aexit__", "Reflex: pickle and write the states, unlock"),
    ("State.hydrate_and_load", "Reflex: the hydrate snapshot"),
    ("archive_app/states/", "our handlers, outside the database"),
    ("chain_updates", "Reflex: delta and emit, per event"),
    ("reflex_base/event/processor", "Reflex: event processing, other"),
    ("token_manager", "Reflex: token manager (socket records in Redis)"),
    ("socketio/", "socket.io / engine.io"),
    ("engineio/", "socket.io / engine.io"),
    ("archive_app/", "our ASGI middleware and socket guard"),
    ("redis/", "redis-py, other (commands, replies)"),
)


def print_profile(title: str, stacks: Counter[tuple[str, ...]], top: int) -> None:
    total = sum(stacks.values())
    if not total:
        print(f"{title}: no samples (is py-spy allowed to attach?)")
        return
    where: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for stack, n in stacks.items():
        joined = ";".join(stack)
        label = next((label for marker, label in WHERE if marker in joined), None)
        if label is None:
            python = any(not f.startswith("process ") for f in stack)
            label = "other (asyncio, Starlette, ...)" if python else "no Python frame (native)"
        where[label] += n
        for frame in set(stack):
            if "archive_app/" in frame and "archive_app/archive_app.py" not in frame:
                ours[frame] += n
        own[stack[-1]] += n
    print(f"\n{title}: {total} on-CPU samples; share of the samples")
    print("  where:")
    for label, n in where.most_common():
        print(f"    {100 * n / total:5.1f} %  {label}")
    print("  our functions, inclusive (the function and what it calls):")
    for frame, n in ours.most_common(top):
        print(f"    {100 * n / total:5.1f} %  {frame}")
    print("  self (the function alone):")
    for frame, n in own.most_common(top):
        print(f"    {100 * n / total:5.1f} %  {frame}")


# --------------------------------------------------------------------------- phases


async def idle(server: Server, limit: float = 120) -> None:
    await wait_idle(server.tree, since=time.perf_counter(), limit=limit)


def footprint(redis_url: str, tab: str) -> None:
    """What Reflex keeps in Redis for one tab: a key per state class of the tree it loaded."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        sizes = {
            key.decode().split("_", 1)[1]: int(cast(int, client.strlen(key)))
            for key in client.scan_iter(f"{tab}_*")
        }
    finally:
        client.close()
    top = sorted(sizes.items(), key=lambda kv: -kv[1])[:4]
    print(
        f"one tab's state in Redis: {len(sizes)} keys, {sum(sizes.values()) / 1024:.1f} KiB; "
        "largest: " + ", ".join(f"{k.rsplit('.', 1)[-1]} {v / 1024:.1f} KiB" for k, v in top)
    )


def redis_calls(redis_url: str) -> Counter[str]:
    """Commands the Redis server has run so far, by name (all clients: a figure per phase is a
    difference, and only meaningful while nothing else uses that server)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        stats = cast(dict[str, dict[str, Any]], client.info("commandstats"))
    finally:
        client.close()
    return Counter({k.removeprefix("cmdstat_"): int(v["calls"]) for k, v in stats.items()})


def print_redis_calls(before: Counter[str], after: Counter[str], tabs: int) -> None:
    used = after - before
    used.pop("info", None)
    print(
        f"Redis commands per tab: {sum(used.values()) / tabs:.1f} ("
        + ", ".join(f"{k} {v / tabs:.1f}" for k, v in used.most_common(8))
        + ")"
    )


def show_frames(frames: list[Frame], *, names: bool) -> None:
    """Size of each frame one tab received; with ``names``, the vars each delta carried."""
    print(
        f"one tab received {len(frames)} frames, {sum(len(f.json()) for f in frames) / 1024:.1f} "
        "KiB of JSON: " + ", ".join(f"{len(f.json())} B" for f in frames)
    )
    for frame in frames if names else []:
        data = frame.data if isinstance(frame.data, dict) else {}
        delta = data.get("delta") or {}
        carried = [
            f"{state.rsplit('.', 1)[-1].split('____')[-1]}.{var.rsplit('_rx_state_', 1)[0]}"
            for state, vars_ in delta.items()
            for var in vars_
        ]
        events = [e.get("name", "") for e in data.get("events") or [] if isinstance(e, dict)]
        print(f"  {len(frame.json()):>6} B  vars: {' '.join(carried)}  events: {events}")


def phase_report(name: str, cpu_s: float, tabs: int, seconds: list[float]) -> None:
    print(f"{name:<44} {1000 * cpu_s / tabs:8.1f} ms server CPU per tab ({cpu_s:.2f} CPU-s)")
    report(f"{name}: hydrated after", seconds)


async def connect_phase(
    args: argparse.Namespace, server: Server, cookie: str, work: Path
) -> list[Tab]:
    boot = await asyncio.to_thread(boot_info, args.app_dir, server.env)
    await idle(server)
    profile = Sampler(server.tree.root, work / "connect.txt", args.rate)
    with profile if args.profile else contextlib.nullcontext():
        calls0 = redis_calls(server.env["ARCHIVE_REDIS_URL"])
        cpu0, t0 = server.tree.cpu_seconds(), time.perf_counter()
        tabs = await open_tabs(
            server.url,
            cookie,
            args.tabs,
            path=args.path,
            boot=boot,
            batch=args.batch,
            max_frames=16,
            reconnect=True,
        )
        hydrated = await asyncio.gather(*(t.wait_hydrated(timeout=120) for t in tabs))
        await idle(server)
        cpu = server.tree.cpu_seconds() - cpu0
        calls = redis_calls(server.env["ARCHIVE_REDIS_URL"])
    phase_report("connect (first page load)", cpu, len(tabs), [h - t0 for h in hydrated])
    print_redis_calls(calls0, calls, len(tabs))
    footprint(server.env["ARCHIVE_REDIS_URL"], tabs[0].token)
    show_frames(list(tabs[0].frames), names=args.frames)
    if args.profile:
        print_profile("connect", read_stacks(profile.out), args.top)
    return tabs


async def rehydrate_phase(
    args: argparse.Namespace, a: Server, b: Server, tabs: list[Tab], cookie: str, work: Path
) -> None:
    # A survivor has served its own tabs for a while: its first queries (SQLAlchemy configures
    # its mappers and compiles them) and its pools (Redis, PostgreSQL) are warm. So B serves a
    # few tabs before the kill, and only the rehydrates are measured.
    warm = await open_tabs(b.url, cookie, WARM_TABS, path=args.path, boot=tabs[0].boot)
    await asyncio.gather(*(t.wait_hydrated(timeout=60) for t in warm))
    await close_tabs(warm)
    await idle(b)
    for tab in tabs:
        tab.base_url = b.url  # where a dropped tab connects again
    profile = Sampler(b.tree.root, work / "rehydrate.txt", args.rate)
    with profile if args.profile else contextlib.nullcontext():
        calls0 = redis_calls(b.env["ARCHIVE_REDIS_URL"])
        cpu0 = b.tree.cpu_seconds()
        killed = time.perf_counter()
        assert a.proc is not None
        os.killpg(a.proc.pid, signal.SIGKILL)
        a.proc.wait(timeout=10)
        deadline = time.monotonic() + 120
        while not all(t.reconnects and t.hydrated_at for t in tabs):
            if time.monotonic() > deadline:
                back = sum(bool(t.reconnects and t.hydrated_at) for t in tabs)
                raise RuntimeError(f"only {back} of {len(tabs)} tabs came back in 120 s")
            await asyncio.sleep(0.05)
        await idle(b)
        cpu = b.tree.cpu_seconds() - cpu0
        calls = redis_calls(b.env["ARCHIVE_REDIS_URL"])
    seconds = [(t.hydrated_at or killed) - killed for t in tabs]
    phase_report("rehydrate on B after kill -9 of A", cpu, len(tabs), seconds)
    print_redis_calls(calls0, calls, len(tabs))
    print(f"last tab hydrated again {max(seconds):.1f} s after the kill")
    if args.profile:
        print_profile("rehydrate", read_stacks(profile.out), args.top)


# --------------------------------------------------------------------------- a run


async def run(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="archive-bench-hydrate-"))
    with contextlib.ExitStack() as stack:
        if args.database_url == "sqlite":
            db_url = f"sqlite:///{work / 'archive.db'}"
        else:
            db_url = stack.enter_context(fresh_postgres(args.database_url))
        redis_url = stack.enter_context(fresh_redis(args.redis_url))
        print(f"database {db_url.rsplit('/', 1)[-1]}, Redis {redis_url}, work dir {work}")
        ports = {"a": free_port(), "b": free_port()}
        env = server_env(
            args, work=work, port=ports["a"], smtp=free_port(), db_url=db_url, redis_url=redis_url
        )
        await migrate(args.app_dir, env)
        spaces = await asyncio.to_thread(
            prepare_data, env=env, db_url=db_url, workspaces=1, sources_each=SOURCES
        )
        owner = spaces[0]
        servers = {}
        for name, port in ports.items():
            server_env_ = {**env, "ARCHIVE_PORT": str(port), "ARCHIVE_SEED_DEMO": "false"}
            servers[name] = Server(args.app_dir, server_env_, port, work / f"{name}.log")
        a, b = servers["a"], servers["b"]
        print(f"server A up in {await asyncio.to_thread(a.start):.1f} s", flush=True)
        stack.callback(a.stop)
        cookie = await login_cookie(a.url, owner.email, owner.password)
        tabs = await connect_phase(args, a, cookie, work)
        try:
            print(f"server B up in {await asyncio.to_thread(b.start):.1f} s", flush=True)
            stack.callback(b.stop)
            await rehydrate_phase(args, a, b, tabs, cookie, work)
        finally:
            await close_tabs(tabs)
        async with httpx.AsyncClient(base_url=b.url) as http:
            assert (await http.get("/ping")).status_code == 200
    print(f"load average {loadavg()}; logs and profiles in {work}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.hydrate", description=__doc__.split("\n")[0])
    p.add_argument("--tabs", type=int, default=200)
    p.add_argument("--batch", type=int, default=100, help="tabs connecting at once")
    p.add_argument("--path", default=SOURCES_PATH, help="the page the tabs load")
    p.add_argument(
        "--database-url",
        default=os.environ.get("ARCHIVE_DATABASE_URL", DEFAULT_DATABASE),
        help="a PostgreSQL server to make a throw-away database on, or 'sqlite'",
    )
    p.add_argument("--redis-url", default=os.environ.get("ARCHIVE_REDIS_URL", DEFAULT_REDIS))
    p.add_argument("--no-profile", dest="profile", action="store_false")
    p.add_argument("--frames", action="store_true", help="list the vars in one tab's frames")
    p.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    p.add_argument("--top", type=int, default=15, help="functions listed per profile")
    p.add_argument("--app-dir", type=Path, default=ROOT, help="the checkout to run")
    args = p.parse_args(argv)
    args.app_dir = args.app_dir.resolve()
    args.workers = 1
    args.with_frontend = False
    if args.profile and not (
        shutil.which("py-spy") or (Path(sys.executable).parent / "py-spy").exists()
    ):
        print("py-spy is not installed: CPU figures only (pip install py-spy)")
        args.profile = False
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    sys.path.insert(0, str(args.app_dir))  # the data is written with that checkout's services
    print(
        f"# hydrate CPU ({machine()}; {args.tabs} tabs, 1 worker; app {args.app_dir}, git "
        f"{git_head(args.app_dir)}; load {loadavg()})",
        flush=True,
    )
    started = time.perf_counter()
    asyncio.run(run(args))
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
