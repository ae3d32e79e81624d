"""The parts of the scaled topology (tests/scale/topology.py): our own PostgreSQL cluster, a
process started again on the same port after a kill, and Caddy's configuration."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def wait_until(check: Callable[[], object], *, seconds: float, what: str) -> float:
    """Poll ``check`` until it is truthy; returns the seconds it took."""
    began = time.monotonic()
    while not check():
        if time.monotonic() - began > seconds:
            raise AssertionError(f"{what}: not within {seconds} s")
        time.sleep(0.1)
    return time.monotonic() - began


def missing_tools() -> str | None:
    """Why the topology cannot start here, or None."""
    if not glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"):
        return "PostgreSQL's server binaries are missing (apt-get install postgresql)"
    for tool in ("redis-server", "caddy"):
        if not shutil.which(tool):
            return f"{tool} is not installed (make scale-test installs caddy)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run initdb as"
    return None


class Postgres:
    """A cluster of our own: initdb once, then ``start``/``stop`` (fast) as often as needed."""

    def __init__(self, work: Path) -> None:
        self.bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
        self.data, self.sockets, self.log = work / "pg", work / "pg-sockets", work / "pg.log"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/archive"
        for folder in (self.data, self.sockets):
            folder.mkdir()
        self.log.touch()
        if os.geteuid() == 0:  # initdb refuses root: the postgres user owns the cluster
            owner = pwd.getpwnam("postgres")
            for path in (self.data, self.sockets, self.log):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")

    def _run(self, tool: str, *args: str, check: bool = True) -> None:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if check and done.returncode:
            raise RuntimeError(f"{tool} failed: {done.stderr[-2000:]}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, *, check: bool = True) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=check)

    def create_database(self) -> None:
        import psycopg

        admin = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE archive")


@dataclass
class Service:
    """A process started again on the same port after a kill (Redis, Caddy, a replica)."""

    name: str
    command: list[str]
    log_dir: Path
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    ready: Callable[[], bool] = lambda: True
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def log_path(self) -> Path:
        """This start's log (each start writes a new one)."""
        return self.log_dir / f"{self.name}.{self.starts}.log"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def start(self, timeout: float = 180) -> float:
        self.starts += 1
        began = time.monotonic()
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        while not self._ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log()[-4000:]}")
            if time.monotonic() - began > timeout:
                raise RuntimeError(f"{self.name} not ready in {timeout} s:\n{self.log()[-4000:]}")
            time.sleep(0.2)
        return time.monotonic() - began

    def _ready(self) -> bool:
        with contextlib.suppress(httpx.HTTPError, OSError):
            return self.ready()
        return False

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """``kill -9`` of the whole process group (a container dying), then reaped."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()


def answers(url: str) -> Callable[[], bool]:
    return lambda: httpx.get(url, timeout=2).status_code == 200


def port_open(port: int) -> Callable[[], bool]:
    def check() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True

    return check


def socket_count(port: int, pids: list[int]) -> int:
    established = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                established.add(fields[9])
    held = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    held += target.startswith("socket:[") and target[8:-1] in established
    return held


def caddyfile_text(port: int, upstreams: list[int]) -> str:
    """deploy/Caddyfile itself (round robin, health every second, passive checks, the error
    page) on loopback over http, with no admin endpoint: its site address and upstreams are
    replaced, nothing else, so the test runs the configuration compose ships."""
    shipped = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "{$ARCHIVE_DOMAIN} {" in shipped and "app1:3000 app2:3000" in shipped
    hosts = " ".join(f"127.0.0.1:{p}" for p in upstreams)
    site = shipped.replace("{$ARCHIVE_DOMAIN} {", f"http://127.0.0.1:{port} {{\n\tbind 127.0.0.1")
    return "{\n\tadmin off\n\tauto_https off\n}\n" + site.replace("app1:3000 app2:3000", hosts)
