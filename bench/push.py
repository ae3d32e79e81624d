"""Live-layer cost: N open tabs of Settings → Sources, then a signed revocation webhook, timed
to the disconnection pop-up's data arriving in every tab (issue 11).

    python -m bench.push                       # 10, 100, 300 tabs of one workspace
    python -m bench.push --tabs 10 100         # some of them
    python -m bench.push --tabs --spread 1000:50   # only 1,000 tabs over 50 workspaces
    ARCHIVE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
    ARCHIVE_REDIS_URL=redis://127.0.0.1:6379/0 python -m bench.push --workers 2
    python -m bench.push --app-dir /tmp/archive-head   # another checkout (e.g. `git archive`)

Each scenario gets a fresh server and fresh data, so its figures stand alone:

1. before the server starts: migrate a new database (SQLite in a temp dir, or a new database
   ``archive_bench_<hex>`` on the PostgreSQL server of ``ARCHIVE_DATABASE_URL``, dropped at the
   end), seed "Demo Brand" (``demo.seed_demo``), add the other workspaces of ``--spread``
   (``signup.sign_up``) and connected TikTok v.2 sources (``sources.save_connection``);
2. start ``reflex run --env prod --backend-only`` on a free port (the socket, ``/ping`` and our
   Starlette routes are all there is to measure; no frontend build) under
   ``flock /tmp/archive-web.lock`` until it answers ``/ping``;
3. log in each workspace's owner over ``POST /auth/login`` and open the tabs (bench/tabs.py:
   the exact CONNECT payload Chromium sends), 100 at a time, all tabs of a workspace with its
   owner's cookie;
4. "backend busy": CPU of the server's process tree, sampled every 0.5 s from the moment the
   last tab's socket was acknowledged until two samples in a row use under 5 % of one core;
5. RSS of the process tree (the reflex CLI, which runs Granian's supervisor, and its workers),
   before the tabs and once the server is idle again;
6. ``--rounds`` times: post a signed ``authorization.removed`` for one source of the first
   workspace and time, per tab of that workspace, the first ``event`` frame that has a key
   containing ``alerts`` whose value names the source's handle (works with a shared state or
   with per-tab state). Tabs of other workspaces must not receive it;
7. close every tab, post one more revocation, and count the server log's "Attempting to send
   delta to disconnected client" lines.

Mode: ``ARCHIVE_MODE=test`` with ``ARCHIVE_SEED_DEMO=true`` and the app's own mail sink.
The bench plays TikTok itself: it signs the webhook with the app's v.2 client secret exactly
as TikTok (and the simulator's ``POST /_sim/control/accounts/<u>/revoke``) does, and posts it
to ``/webhooks/tiktok``, the app's real verification path. The sources are written straight
into the database before the server starts (no simulator grants behind them), so the bench
signs the revocation itself. Production mode would need https and live
TikTok keys; the live layer under test is the same code in both modes.

With ``ARCHIVE_REDIS_URL`` the bench uses a Redis database that is empty when it starts
(it claims one of 1..15 and flushes only that one afterwards), because Reflex keys shared
states by link token (``ws-1``) and a previous run's state would otherwise be read back.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from bench.tabs import (
    ROOT,
    BootInfo,
    alerts_mention,
    boot_info,
    close_tabs,
    login_cookie,
    open_tabs,
)
from tests.ports import free_port

LOCK_PATH = "/tmp/archive-web.lock"
DISCONNECTED_LINE = "Attempting to send delta to disconnected client"
DEMO_OWNER = ("demo@example.com", "demo1234")
BENCH_PASSWORD = "bench-pass-1"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
HEADER = (
    "| tabs | pop-up p50 / p95 | backend busy after the tabs opened "
    "| backend RSS before → after | RSS per tab |"
)


# --------------------------------------------------------------------------- the server


class ProcessTree:
    """The server's processes: the reflex CLI (Granian's supervisor) and everything under it."""

    def __init__(self, root: int) -> None:
        self.root = root

    def pids(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
        found, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, []))
        return found

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / CLK_TCK

    def rss_kb(self) -> int:
        total = 0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB
        return total

    def pss_kb(self) -> int:
        """Proportional set size: shared pages of forked workers counted once."""
        total = 0
        for pid in self.pids():
            with contextlib.suppress(OSError, ValueError):
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        return total


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


@dataclass
class Server:
    app_dir: Path
    env: dict[str, str]
    port: int
    log_path: Path
    with_frontend: bool = False
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def tree(self) -> ProcessTree:
        assert self.proc is not None
        return ProcessTree(self.proc.pid)

    def start(self, timeout: float = 300) -> float:
        """Start it, holding the .web lock until it answers /ping; returns seconds taken."""
        reflex = str(Path(sys.executable).parent / "reflex")
        if self.with_frontend:
            cmd = [reflex, "run", "--env", "prod", "--frontend-port", str(self.port)]
            cmd += ["--backend-port", str(self.port)]
        else:
            cmd = [reflex, "run", "--env", "prod", "--backend-only"]
            cmd += ["--backend-port", str(self.port)]
        started = time.monotonic()
        with open(LOCK_PATH, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            log = self.log_path.open("wb")
            self.proc = subprocess.Popen(
                cmd,
                cwd=self.app_dir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
            deadline = time.monotonic() + timeout
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited:\n{self.log_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{self.url}/ping", timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"server not ready in {timeout}s:\n{self.log_tail()}")
                time.sleep(0.25)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # the main PID, never the worker (REFLEX.md)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_text()[-chars:]

    def count_in_log(self, needle: str) -> int:
        return self.log_text().count(needle)


async def wait_idle(
    tree: ProcessTree,
    *,
    since: float,
    limit: float,
    interval: float = 0.5,
    threshold: float = 0.05,
) -> tuple[float, float, bool]:
    """Sample the tree's CPU until two intervals in a row use < ``threshold`` of one core.

    Returns (busy wall seconds from ``since`` to the end of the last busy interval, CPU
    seconds used in that time, whether ``limit`` ran out first).
    """
    start_cpu = last_cpu = tree.cpu_seconds()
    last_t = time.perf_counter()
    busy_end, busy_cpu, quiet = since, 0.0, 0
    while quiet < 2:
        await asyncio.sleep(interval)
        now, cpu = time.perf_counter(), tree.cpu_seconds()
        if (cpu - last_cpu) / max(now - last_t, 1e-6) < threshold:
            quiet += 1
        else:
            quiet, busy_end, busy_cpu = 0, now, cpu - start_cpu
        last_t, last_cpu = now, cpu
        if now - since > limit:
            return now - since, cpu - start_cpu, True
    return max(0.0, busy_end - since), busy_cpu, False


# --------------------------------------------------------------------------- data


@dataclass
class Workspace:
    workspace_id: int
    email: str
    password: str
    # (handle, open_id) of connected sources, one per revocation
    sources: list[tuple[str, str]] = field(default_factory=list)


@contextlib.contextmanager
def archive_env(env: dict[str, str]) -> Iterator[None]:
    """``os.environ``'s ARCHIVE_* variables as the server sees them, for the block's duration."""
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("ARCHIVE_")}
    os.environ.update({k: v for k, v in env.items() if k.startswith("ARCHIVE_")})
    try:
        yield
    finally:
        for k in [k for k in os.environ if k.startswith("ARCHIVE_")]:
            del os.environ[k]
        os.environ.update(saved)


def app_settings(env: dict[str, str]) -> Any:
    """The app's settings for the server's environment (same secrets, same key file)."""
    from archive_app.settings import Settings

    with archive_env(env):
        return Settings(_env_file=None)


def prepare_data(
    *, env: dict[str, str], db_url: str, workspaces: int, sources_each: int
) -> list[Workspace]:
    """Workspaces, owners and connected sources, written before the server starts."""
    from sqlmodel import Session, col, select

    from archive_app.crypto import TokenCipher
    from archive_app.db import make_engine
    from archive_app.models.workspaces import Membership
    from archive_app.services import auth
    from archive_app.services import demo as demo_service

    try:
        from archive_app.services.signup import sign_up
    except ImportError:  # checkouts before sign-up moved out of services/auth.py
        sign_up = auth.sign_up  # type: ignore[attr-defined]

    cipher = TokenCipher(app_settings(env).fernet_key())
    now = datetime.now(UTC)
    engine = make_engine(db_url)
    made: list[Workspace] = []
    try:
        with Session(engine, expire_on_commit=False) as s:
            demo_service.seed_demo(s, now=now)
            s.commit()
            demo = auth.find_user(s, email=DEMO_OWNER[0])
            assert demo is not None and demo.id is not None
            demo_ws = s.exec(
                select(Membership.workspace_id)
                .where(Membership.user_id == demo.id)
                .order_by(col(Membership.id))
            ).first()
            assert demo_ws is not None
            owners = [(demo_ws, demo.id, *DEMO_OWNER)]
            for n in range(1, workspaces):
                email = f"owner{n}@bench{n}.example"
                signed = sign_up(
                    s, email=email, password=BENCH_PASSWORD, workspace_name=f"Bench {n}", now=now
                )
                assert signed.workspace_id is not None
                owners.append((signed.workspace_id, signed.user_id, email, BENCH_PASSWORD))
            s.commit()
            for ws_index, (ws_id, user_id, email, password) in enumerate(owners):
                ws = Workspace(ws_id, email, password)
                for r in range(sources_each):
                    # Fixed width, so no handle is a substring of another.
                    handle = f"bench{ws_index:03d}r{r:02d}"
                    open_id = f"bench-{uuid.uuid4().hex}"
                    connect_v2_directly(
                        s,
                        workspace_id=ws_id,
                        user_id=user_id,
                        handle=handle,
                        open_id=open_id,
                        cipher=cipher,
                        now=now,
                    )
                    ws.sources.append((handle, open_id))
                made.append(ws)
            s.commit()
    finally:
        engine.dispose()
    return made


def connect_v2_directly(
    session: Any,
    *,
    workspace_id: int,
    user_id: int,
    handle: str,
    open_id: str,
    cipher: Any,
    now: datetime,
) -> None:
    """A connected v.2 source written straight into the database (no TikTok behind it): for
    load and socket tests, which then play TikTok's signed webhooks themselves."""
    from archive_app.integrations.tiktok.kinds import Kind
    from archive_app.integrations.tiktok.protocol import Profile, TokenSet
    from archive_app.services.sources import status as sources

    sources.save_connection(
        session,
        workspace_id=workspace_id,
        user_id=user_id,
        kind=Kind.tiktok_v2,
        tokens=TokenSet(
            access_token=f"act.{uuid.uuid4().hex}",
            refresh_token=f"rft.{uuid.uuid4().hex}",
            access_expires_at=now + timedelta(days=1),
            refresh_expires_at=now + timedelta(days=365),
            open_id=open_id,
            scopes=("user.info.basic",),
        ),
        profile=Profile(open_id, handle, handle.title(), ""),
        cipher=cipher,
        now=now,
    )


def webhook_secret(env: dict[str, str]) -> tuple[str, str]:
    """The app's v.2 client key and secret, as its settings resolve them for this env."""
    settings = app_settings(env)
    return settings.tiktok_v2_client_key, settings.tiktok_v2_client_secret.get_secret_value()


def signed_removal(client_key: str, secret: str, open_id: str) -> tuple[bytes, str]:
    """TikTok's ``authorization.removed`` (reason 1) and its ``Tiktok-Signature`` (TIKTOK.md)."""
    ts = int(time.time())
    body = json.dumps(
        {
            "client_key": client_key,
            "event": "authorization.removed",
            "create_time": ts,
            "user_openid": open_id,
            "content": json.dumps({"reason": 1}),
        }
    ).encode()
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={ts},s={mac}"


@contextlib.contextmanager
def fresh_postgres(url: str) -> Iterator[str]:
    """A new database on the server of ``url``, dropped afterwards."""
    import psycopg

    parts = urlsplit(url)
    name = f"archive_bench_{uuid.uuid4().hex[:10]}"
    admin = urlunsplit((parts.scheme.split("+")[0], parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def fresh_redis(url: str) -> Iterator[str]:
    """An empty Redis database on the server of ``url``, claimed for this run and flushed after."""
    import redis

    parts = urlsplit(url)
    own = int(parts.path.strip("/") or 0)
    for db in [d for d in range(1, 16) if d != own]:
        candidate = urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, ""))
        client = redis.Redis.from_url(candidate)
        if client.dbsize() == 0 and client.set("archive-bench:claim", os.getpid(), nx=True):
            try:
                yield candidate
            finally:
                client.flushdb()
                client.close()
            return
        client.close()
    raise RuntimeError(f"no empty Redis database on {parts.netloc} to run in")


# --------------------------------------------------------------------------- a scenario


@dataclass
class Result:
    label: str
    tabs: int
    latencies_ms: list[float]
    rounds_ms: list[list[float]]
    missed: int
    leaked: int
    busy_s: float
    busy_cpu_s: float
    busy_capped: bool
    rss_before_kb: int
    rss_after_kb: int
    rss_closed_kb: int
    pss_before_kb: int
    pss_after_kb: int
    connect_s: float
    hydrated_s: float
    not_hydrated: int
    webhook_ms: list[float]
    disconnected_lines_open: int
    disconnected_lines_closed: int
    log_path: Path
    log_summary: list[str]
    frames_while_opening: int
    load_start: str
    load_end: str


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarize_log(text: str) -> list[str]:
    """Warnings and errors, grouped (tokens and ids blanked), most frequent first."""
    counts: Counter[str] = Counter()
    for line in text.splitlines():
        if re.search(r"warning|error|traceback|exception", line, re.IGNORECASE):
            shape = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "<token>", line.strip())
            shape = re.sub(r"\d+", "N", shape)[:160]
            counts[shape] += 1
    return [f"{n:>6} × {shape}" for shape, n in counts.most_common(8)]


async def migrate(app_dir: str | Path, env: dict[str, str]) -> None:
    """``alembic upgrade head`` of the app in ``app_dir`` on ``env``'s database."""
    done = await asyncio.to_thread(
        subprocess.run,
        [str(Path(sys.executable).parent / "alembic"), "upgrade", "head"],
        cwd=app_dir,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"alembic failed:\n{done.stderr[-3000:]}")


async def run_scenario(
    args: argparse.Namespace, *, tabs_total: int, workspaces: int, boot_cache: dict[str, BootInfo]
) -> Result:
    label = f"{tabs_total}" if workspaces == 1 else f"{tabs_total} over {workspaces} workspaces"
    print(f"\n## {label}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="archive-bench-push-"))
    port, smtp = free_port(), free_port()
    with contextlib.ExitStack() as stack:
        db_url = f"sqlite:///{work / 'archive.db'}"
        if args.database_url:
            db_url = stack.enter_context(fresh_postgres(args.database_url))
        redis_url = stack.enter_context(fresh_redis(args.redis_url)) if args.redis_url else ""
        env = server_env(args, work=work, port=port, smtp=smtp, db_url=db_url, redis_url=redis_url)
        await migrate(args.app_dir, env)
        spaces = await asyncio.to_thread(
            prepare_data,
            env=env,
            db_url=db_url,
            workspaces=workspaces,
            sources_each=args.rounds + 1,
        )
        if "boot" not in boot_cache:
            boot_cache["boot"] = await asyncio.to_thread(boot_info, args.app_dir, env)
        boot = boot_cache["boot"]
        client_key, secret = webhook_secret(env)
        server = Server(args.app_dir, env, port, work / "app.log", args.with_frontend)
        took = await asyncio.to_thread(server.start)
        stack.callback(server.stop)
        print(f"server up in {took:.1f} s (port {port}, log {server.log_path})", flush=True)
        result = await measure(args, server, spaces, boot, tabs_total, label, client_key, secret)
    return result


def server_env(
    args: argparse.Namespace, *, work: Path, port: int, smtp: int, db_url: str, redis_url: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARCHIVE_", "PYTEST_"))}
    bin_dir = str(Path(sys.executable).parent)
    env.update(
        {
            "ARCHIVE_MODE": "test",
            "ARCHIVE_SEED_DEMO": "true",
            "ARCHIVE_DATA_DIR": str(work),
            "ARCHIVE_PORT": str(port),
            "ARCHIVE_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "ARCHIVE_MAIL_SINK": "true",
            "ARCHIVE_SMTP_PORT": str(smtp),
            "ARCHIVE_SCHEDULER_ENABLED": "true",
            "ARCHIVE_DATABASE_URL": db_url,
            "ARCHIVE_REDIS_URL": redis_url,
            "GRANIAN_WORKERS": str(args.workers),
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_USE_SYSTEM_BUN": "1",
            # Reflex's console wraps at 80 columns when not on a terminal: one line per message.
            "COLUMNS": "1000",
            "PYTHONPATH": str(args.app_dir),
            "PATH": os.pathsep.join(
                [
                    str(args.app_dir / ".tools/node_modules/.bin"),
                    str(ROOT / ".tools/node_modules/.bin"),
                    bin_dir,
                    env.get("PATH", ""),
                ]
            ),
        }
    )
    if not args.with_frontend:
        # rxconfig sets frontend_port; the CLI refuses it with --backend-only unless it is 0.
        env["REFLEX_FRONTEND_PORT"] = "0"
    return env


async def measure(
    args: argparse.Namespace,
    server: Server,
    spaces: list[Workspace],
    boot: BootInfo,
    tabs_total: int,
    label: str,
    client_key: str,
    secret: str,
) -> Result:
    tree = server.tree
    load_start = loadavg()
    cookies = [await login_cookie(server.url, ws.email, ws.password) for ws in spaces]
    await wait_idle(tree, since=time.perf_counter(), limit=30)
    rss_before, pss_before = tree.rss_kb(), tree.pss_kb()

    # Tabs of workspace i are tabs i, i + W, i + 2W, ... (round robin over the cookies).
    started = time.perf_counter()
    tabs = await open_tabs(
        server.url, cookies, tabs_total, boot=boot, batch=args.batch, max_frames=64
    )
    last_connected = max(t.connected_at or 0.0 for t in tabs)
    print(f"{tabs_total} sockets acknowledged in {last_connected - started:.1f} s", flush=True)
    idle = asyncio.create_task(wait_idle(tree, since=last_connected, limit=args.busy_limit))
    hydration = await asyncio.gather(
        *(t.wait_hydrated(timeout=args.busy_limit) for t in tabs), return_exceptions=True
    )
    not_hydrated = sum(isinstance(h, BaseException) for h in hydration)
    hydrated_s = max((h for h in hydration if isinstance(h, float)), default=started) - started
    busy_s, busy_cpu, capped = await idle
    rss_after, pss_after = tree.rss_kb(), tree.pss_kb()
    frames_while_opening = sum(t.frame_count for t in tabs)
    print(
        f"all hydrated {hydrated_s:.1f} s after the first connect ({not_hydrated} never); "
        f"busy {busy_s:.1f} s, {busy_cpu:.1f} CPU-s{' (limit hit)' if capped else ''}",
        flush=True,
    )

    target = [t for i, t in enumerate(tabs) if i % len(spaces) == 0]
    others = [t for i, t in enumerate(tabs) if i % len(spaces) != 0]
    latencies, rounds, webhook_ms, missed, leaked = [], [], [], 0, 0
    async with httpx.AsyncClient(base_url=server.url, timeout=120) as http:
        for r in range(args.rounds):
            handle, open_id = spaces[0].sources[r]
            for t in tabs:
                t.clear()
            body, signature = signed_removal(client_key, secret, open_id)
            t0 = time.perf_counter()
            post = asyncio.create_task(
                http.post(
                    "/webhooks/tiktok",
                    content=body,
                    headers={"Content-Type": "application/json", "Tiktok-Signature": signature},
                )
            )
            got = await asyncio.gather(
                *(t.wait_for(alerts_mention(handle), timeout=args.popup_timeout) for t in target),
                return_exceptions=True,
            )
            response = await post
            webhook_ms.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                print(f"  webhook answered {response.status_code}: {response.text[:200]}")
            this = [(f.t - t0) * 1000 for f in got if not isinstance(f, BaseException)]
            missed += len(got) - len(this)
            await asyncio.sleep(0.5)
            leaked += sum(t.find(alerts_mention(handle)) is not None for t in others)
            rounds.append(this)
            latencies += this
            if this:
                print(
                    f"  round {r + 1}: @{handle} p50 {statistics.median(this):.0f} ms, "
                    f"p95 {pct(this, 0.95):.0f} ms, max {max(this):.0f} ms "
                    f"({len(got) - len(this)} tabs missed it); webhook answered in "
                    f"{webhook_ms[-1]:.0f} ms",
                    flush=True,
                )
            await wait_idle(tree, since=time.perf_counter(), limit=30)
        lines_open = server.count_in_log(DISCONNECTED_LINE)

        await close_tabs(tabs, batch=args.batch)
        await wait_idle(tree, since=time.perf_counter(), limit=60)
        rss_closed = tree.rss_kb()
        handle, open_id = spaces[0].sources[args.rounds]
        body, signature = signed_removal(client_key, secret, open_id)
        await http.post(
            "/webhooks/tiktok",
            content=body,
            headers={"Content-Type": "application/json", "Tiktok-Signature": signature},
        )
        await wait_idle(tree, since=time.perf_counter(), limit=60)
    lines_closed = server.count_in_log(DISCONNECTED_LINE) - lines_open
    load_end = loadavg()
    return Result(
        label=label,
        tabs=tabs_total,
        latencies_ms=latencies,
        rounds_ms=rounds,
        missed=missed,
        leaked=leaked,
        busy_s=busy_s,
        busy_cpu_s=busy_cpu,
        busy_capped=capped,
        rss_before_kb=rss_before,
        rss_after_kb=rss_after,
        rss_closed_kb=rss_closed,
        pss_before_kb=pss_before,
        pss_after_kb=pss_after,
        connect_s=last_connected - started,
        hydrated_s=hydrated_s,
        not_hydrated=not_hydrated,
        webhook_ms=webhook_ms,
        disconnected_lines_open=lines_open,
        disconnected_lines_closed=lines_closed,
        log_path=server.log_path,
        log_summary=summarize_log(server.log_text()),
        frames_while_opening=frames_while_opening,
        load_start=load_start,
        load_end=load_end,
    )


# --------------------------------------------------------------------------- report


def mb(kb: int) -> str:
    return f"{kb / 1024:,.0f}"


def secs(value: float) -> str:
    return f"{value:.1f} s" if value < 10 else f"{value:,.0f} s"


def row(r: Result) -> str:
    popup = (
        f"{statistics.median(r.latencies_ms):.0f} / {pct(r.latencies_ms, 0.95):.0f} ms"
        if r.latencies_ms
        else "none arrived"
    )
    if r.missed:
        popup += f" ({r.missed} missed)"
    busy = f"{'> ' if r.busy_capped else ''}{secs(r.busy_s)} ({secs(r.busy_cpu_s)} CPU)"
    per_tab = (r.rss_after_kb - r.rss_before_kb) / r.tabs
    return (
        f"| {r.label} | {popup} | {busy} | {mb(r.rss_before_kb)} → {mb(r.rss_after_kb)} MB "
        f"| {per_tab:,.0f} KB |"
    )


def details(r: Result) -> list[str]:
    out = [f"### {r.label}"]
    if r.latencies_ms:
        p50 = statistics.median(r.latencies_ms)
        out.append(
            f"- pop-up over {len(r.rounds_ms)} round(s): p50 {p50:.0f}"
            f" / p95 {pct(r.latencies_ms, 0.95):.0f} / max {max(r.latencies_ms):.0f} ms; "
            f"webhook answered in {', '.join(f'{w:.0f}' for w in r.webhook_ms)} ms"
        )
    out += [
        f"- tabs that missed the pop-up: {r.missed}; tabs of other workspaces that got it: "
        f"{r.leaked}",
        f"- sockets acknowledged in {r.connect_s:.1f} s; all hydrated after {r.hydrated_s:.1f} s"
        f" ({r.not_hydrated} never); frames the tabs received while opening: "
        f"{r.frames_while_opening:,} ({r.frames_while_opening / r.tabs:,.0f} per tab)",
        f"- PSS before → after: {mb(r.pss_before_kb)} → {mb(r.pss_after_kb)} MB "
        f"({(r.pss_after_kb - r.pss_before_kb) / r.tabs:,.0f} KB per tab); RSS once every tab "
        f"closed: {mb(r.rss_closed_kb)} MB",
        f"- '{DISCONNECTED_LINE}' lines: {r.disconnected_lines_open} while the tabs were open; "
        f"{r.disconnected_lines_closed} from one revocation after they all closed",
        f"- machine load average (1, 5, 15 min) at start {r.load_start}, at end {r.load_end}"
        " (other work on the machine stretches wall times; CPU seconds are the server's own)",
        f"- server log {r.log_path}; warnings/errors:",
        *(f"    {line}" for line in r.log_summary or ["(none)"]),
    ]
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.push", description=__doc__.split("\n")[0])
    p.add_argument(
        "--tabs", type=int, nargs="*", default=[10, 100, 300], help="tabs of one workspace"
    )
    p.add_argument(
        "--spread",
        action="append",
        default=[],
        metavar="TABS:WORKSPACES",
        help="e.g. 1000:50 (the revocation hits the first workspace)",
    )
    p.add_argument("--rounds", type=int, default=3, help="revocations per scenario")
    p.add_argument("--workers", type=int, default=1, help="Granian workers (>1 needs Redis)")
    p.add_argument("--batch", type=int, default=100, help="tabs connecting at once")
    p.add_argument(
        "--busy-limit", type=float, default=600, help="give up waiting for idle after (s)"
    )
    p.add_argument("--popup-timeout", type=float, default=60)
    p.add_argument("--app-dir", type=Path, default=ROOT, help="the checkout to run")
    p.add_argument(
        "--with-frontend",
        action="store_true",
        help="run the full `reflex run --env prod` (compile + build) instead of --backend-only",
    )
    args = p.parse_args(argv)
    args.app_dir = args.app_dir.resolve()
    args.database_url = os.environ.get("ARCHIVE_DATABASE_URL", "")
    args.redis_url = os.environ.get("ARCHIVE_REDIS_URL", "")
    if args.database_url and not args.database_url.startswith("postgresql"):
        p.error("ARCHIVE_DATABASE_URL: only PostgreSQL is supported (SQLite is the default)")
    if args.workers > 1 and not args.redis_url:
        p.error("--workers > 1 needs ARCHIVE_REDIS_URL (Reflex keeps state in memory otherwise)")
    args.scenarios = [(n, 1) for n in args.tabs]
    for spec in args.spread:
        tabs, _, spaces = spec.partition(":")
        if not (tabs.isdigit() and spaces.isdigit()) or int(spaces) < 1:
            p.error(f"--spread {spec}: expected TABS:WORKSPACES, e.g. 1000:50")
        args.scenarios.append((int(tabs), int(spaces)))
    if not args.scenarios:
        p.error("nothing to run")
    return args


async def amain(args: argparse.Namespace) -> list[Result]:
    boot_cache: dict[str, BootInfo] = {}
    results = []
    for tabs, spaces in args.scenarios:
        results.append(
            await run_scenario(args, tabs_total=tabs, workspaces=spaces, boot_cache=boot_cache)
        )
    return results


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    # The data is written with the app's own services: those of the checkout under test.
    sys.path.insert(0, str(args.app_dir))
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    db = "PostgreSQL" if args.database_url else "SQLite"
    redis_text = "Redis" if args.redis_url else "no Redis"
    print(
        f"# live push ({platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, Python "
        f"{platform.python_version()}; {db}, {redis_text}, {args.workers} worker(s); "
        f"app {args.app_dir}; git {git_head(args.app_dir)})",
        flush=True,
    )
    results = asyncio.run(amain(args))
    print()
    print(HEADER)
    print("|---|---|---|---|---|")
    for r in results:
        print(row(r))
    print()
    for r in results:
        print("\n".join(details(r)))


def git_head(path: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    if done.returncode:
        return "not a git checkout"
    dirty = subprocess.run(
        ["git", "-C", str(path), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return done.stdout.strip() + (" + uncommitted changes" if dirty else "")


if __name__ == "__main__":
    main()
