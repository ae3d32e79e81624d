"""The scaled deployment on loopback, as processes a test can stop, kill and start again.

PostgreSQL (Debian's binaries, its own data dir and port), Redis (its own port, nothing kept on
disk), a slow real SMTP server (aiosmtpd), the frontend built once for Caddy's address, two
``archive serve`` replicas (the image's server: same database, Redis, data dir and encryption
key; one worker each) and Caddy in front with deploy/Caddyfile's load balancing and health
checks, over plain http. Everything lives in one temporary directory and is torn down on exit,
also when starting fails half-way.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet

from bench.push import ProcessTree
from tests.ports import free_port
from tests.scale.mail import SlowInbox
from tests.scale.parts import (
    ROOT,
    Postgres,
    Service,
    answers,
    caddyfile_text,
    port_open,
    socket_count,
    wait_until,
)

BIN = Path(sys.executable).parent
LEADER_LINE = "this process is the scheduler leader"
BOOT_LOCK = "/tmp/archive-web.lock"  # the browser tests' lock on .web/ (we only copy it)


class Topology:
    """``with Topology(work) as t:``: everything started; ``t.replicas``, ``t.url`` (Caddy)."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.caddy_port = free_port()
        self.url = f"http://127.0.0.1:{self.caddy_port}"
        self.inbox = SlowInbox(seconds=0.3)
        self._stack = contextlib.ExitStack()
        self.postgres: Postgres
        self.redis: Service
        self.caddy: Service
        self.replicas: list[Service] = []
        # Other processes whose CPU the checks report (the tab hosts), by name.
        self.extra_cpu: dict[str, Callable[[], float]] = {}

    def __enter__(self) -> Topology:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def _start(self) -> None:
        self.work.chmod(0o755)  # the postgres user reaches its folders inside
        self.postgres = Postgres(self.work)
        self.postgres.start()
        self._stack.callback(self.postgres.stop, check=False)
        self.postgres.create_database()
        redis_port = free_port()
        self.redis = self._service(
            "redis",
            [
                *("redis-server", "--port", str(redis_port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.work)),
            ],
            ready=port_open(redis_port),
        )
        self.redis.start()
        self._stack.enter_context(self.inbox.serving())
        self.env = self._app_env(redis_url=f"redis://127.0.0.1:{redis_port}/0")
        migrated = subprocess.run(
            [str(BIN / "alembic"), "upgrade", "head"],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if migrated.returncode:
            raise RuntimeError(f"alembic upgrade head failed:\n{migrated.stderr[-3000:]}")
        self.build_seconds = self._build_frontend()
        for name in ("replica-a", "replica-b"):
            port = free_port()
            env = {**self.env, "ARCHIVE_PORT": str(port)}
            health = f"http://127.0.0.1:{port}/_health"
            replica = self._service(
                name, [str(BIN / "archive"), "serve"], env=env, ready=answers(health), port=port
            )
            self.replicas.append(replica)
        self.replicas[0].start()  # the first one up takes the scheduler lead
        wait_until(lambda: LEADER_LINE in self.replicas[0].log(), seconds=30, what="a leader")
        self.replicas[1].start()
        caddyfile = self.work / "Caddyfile"
        caddyfile.write_text(caddyfile_text(self.caddy_port, [r.port for r in self.replicas]))
        self.caddy = self._service(
            "caddy",
            ["caddy", "run", "--config", str(caddyfile), "--adapter", "caddyfile"],
            env={**os.environ, "HOME": str(self.work), "XDG_DATA_HOME": str(self.work / "xdg")}
            | {"XDG_CONFIG_HOME": str(self.work / "xdg")},
            ready=answers(f"{self.url}/_health"),
        )
        self.caddy.start()

    def _service(self, name: str, command: list[str], **kwargs: object) -> Service:
        service = Service(name, command, self.work, **kwargs)  # type: ignore[arg-type]
        self._stack.callback(service.stop)
        return service

    def _app_env(self, *, redis_url: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ARCHIVE_", "PYTEST_"))}
        env.update(
            {
                "ARCHIVE_MODE": "test",
                "ARCHIVE_SEED_DEMO": "false",
                # One data dir for both: the simulator keeps its TikTok there (README).
                "ARCHIVE_DATA_DIR": str(self.work / "data"),
                "ARCHIVE_PUBLIC_URL": self.url,
                "ARCHIVE_DATABASE_URL": self.postgres.url,
                "ARCHIVE_REDIS_URL": redis_url,
                "ARCHIVE_ENCRYPTION_KEY": Fernet.generate_key().decode(),
                "ARCHIVE_WORKERS": os.environ.get("ARCHIVE_SCALE_WORKERS", "2"),
                "ARCHIVE_SMTP_HOST": "127.0.0.1",
                "ARCHIVE_SMTP_PORT": str(self.inbox.port),
                "ARCHIVE_MAIL_SINK": "false",
                "ARCHIVE_SCHEDULER_ENABLED": "true",
                "REFLEX_WEB_WORKDIR": str(self.work / "web"),
                "REFLEX_USE_SYSTEM_BUN": "1",
                "REFLEX_TELEMETRY_ENABLED": "false",
                "COLUMNS": "1000",
                "PYTHONPATH": str(ROOT),
                "PATH": os.pathsep.join(
                    [str(ROOT / ".tools/node_modules/.bin"), str(BIN), env.get("PATH", "")]
                ),
            }
        )
        return env

    def _build_frontend(self) -> float:
        """``reflex export --frontend-only`` as the Dockerfile runs it, into a web dir of our
        own, for Caddy's address (the pages open their socket on the build's port)."""
        began = time.monotonic()
        web = self.work / "web"
        top = ROOT / ".web"
        with open(BOOT_LOCK, "a") as lock:  # not while a browser test builds into it
            fcntl.flock(lock, fcntl.LOCK_EX)
            if (top / "node_modules").exists():  # its packages, so they are not fetched again
                shutil.copytree(
                    top, web, symlinks=True, ignore=lambda d, n: ["build"] if d == str(top) else []
                )
        subprocess.run(
            [str(BIN / "reflex"), "export", "--frontend-only", "--no-zip", "--env", "prod"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=900,
        )
        (web / "archive-build-url").write_text(self.url + "\n")
        return time.monotonic() - began

    def leader(self) -> Service:
        """The replica whose current process says it leads."""
        leading = [r for r in self.replicas if r.running and LEADER_LINE in r.log()]
        assert len(leading) == 1, f"leaders: {[r.name for r in leading]}"
        return leading[0]

    def cpu_seconds(self) -> dict[str, float]:
        """CPU used so far by each part: the replicas, Caddy, this process, the tab hosts."""
        used = {"test process": sum(os.times()[:2])}
        used |= {name: read() for name, read in self.extra_cpu.items()}
        for service in (*self.replicas, self.caddy):
            if service.running:
                assert service.proc is not None
                used[service.name] = ProcessTree(service.proc.pid).cpu_seconds()
        return used

    def servers(self) -> ProcessTree:
        """The running replicas' processes as one tree (for ``bench.push.wait_idle``)."""
        return _Together([r.proc.pid for r in self.replicas if r.running and r.proc])

    def tabs_held(self, replica: Service) -> int:
        """Established connections on the replica's port held by its processes (each open
        tab is one websocket from Caddy)."""
        assert replica.proc is not None
        return socket_count(replica.port, ProcessTree(replica.proc.pid).pids())


class _Together(ProcessTree):
    def __init__(self, roots: list[int]) -> None:
        super().__init__(roots[0])
        self.roots = roots

    def pids(self) -> list[int]:
        return [pid for root in self.roots for pid in ProcessTree(root).pids()]
