"""Tabs in processes of their own: ``python -m tests.scale.tab_host`` holds a share of the
bench/tabs.py tabs and answers one JSON command per line on stdin, one JSON line on stdout.

1,000 browsers decode their frames in parallel; one Python process decodes them one after the
other (about 0.4 ms each), which alone would put 0.4 s into the last tab's pop-up time. Two
hosts share that work across the machine's cores. Times are ``time.perf_counter()``: the
monotonic clock, the same in every process on Linux, so the test compares them with its own.

Commands: ``open`` (url, cookie, count, boot) opens and hydrates the tabs, reconnecting as the
browser does; ``arm`` (handle) starts waiting in every tab for that source's pop-up data;
``collect`` returns each tab's arrival time (None: missed within ``wait_s``); ``status`` returns
each tab's connection times; ``close`` closes them and ends the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.push import ProcessTree
from bench.tabs import BootInfo, Frame, Tab, alerts_mention, close_tabs, open_tabs

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class TabState:
    """What the test reads of a tab held by a host (the same names as ``Tab``'s)."""

    connected: bool
    reconnecting: bool
    hydrated_at: float | None
    reconnected_at: float | None
    disconnected_at: float | None


class Host:
    def __init__(self) -> None:
        self.tabs: list[Tab] = []
        self.waiting: list[asyncio.Task[Frame]] = []

    async def open(self, url: str, cookie: str, count: int, boot: dict[str, Any]) -> int:
        info = BootInfo(boot["state_name"], boot["state_schema"], tuple(boot["hashes"]))
        self.tabs = await open_tabs(url, cookie, count, boot=info, max_frames=64, reconnect=True)
        await asyncio.gather(*(t.wait_hydrated(timeout=120) for t in self.tabs))
        return len(self.tabs)

    async def arm(self, handle: str, wait_s: float) -> int:
        for tab in self.tabs:
            tab.clear()
        self.waiting = [
            asyncio.create_task(t.wait_for(alerts_mention(handle), timeout=wait_s))
            for t in self.tabs
        ]
        return len(self.waiting)

    async def collect(self) -> list[float | None]:
        got = await asyncio.gather(*self.waiting, return_exceptions=True)
        return [None if isinstance(f, BaseException) else f.t for f in got]

    def status(self) -> list[list[Any]]:
        return [
            [t.connected, t.reconnecting, t.hydrated_at, t.reconnected_at, t.disconnected_at]
            for t in self.tabs
        ]

    async def close(self) -> None:
        await close_tabs(self.tabs)


async def serve() -> None:
    host = Host()
    while True:
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:
            break
        command = json.loads(line)
        name = command.pop("cmd")
        if name == "open":
            answer: Any = await host.open(**command)
        elif name == "arm":
            answer = await host.arm(**command)
        elif name == "collect":
            answer = await host.collect()
        elif name == "status":
            answer = host.status()
        elif name == "close":
            await host.close()
            answer = "closed"
        else:
            answer = f"unknown command {name}"
        print(json.dumps({"answer": answer}), flush=True)
        if name == "close":
            break


class TabHosts:
    """The test's side: ``hosts`` processes holding ``count`` tabs between them."""

    def __init__(self, work: Path, *, hosts: int = 2) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.logs = [work / f"tab-host-{n}.log" for n in range(hosts)]
        self.procs = []
        for log_path in self.logs:
            with log_path.open("w") as log:
                self.procs.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "tests.scale.tab_host"],
                        cwd=ROOT,
                        env=env,
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=log,
                        text=True,
                    )
                )

    def _ask(self, commands: list[dict[str, Any]], timeout: float = 300) -> list[Any]:
        for proc, command in zip(self.procs, commands, strict=True):
            assert proc.stdin is not None
            proc.stdin.write(json.dumps(command) + "\n")
            proc.stdin.flush()
        answers = []
        for proc, log in zip(self.procs, self.logs, strict=True):
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], timeout)
            line = proc.stdout.readline() if ready else ""
            if not line:
                raise RuntimeError(f"tab host gave no answer:\n{log.read_text()[-3000:]}")
            answers.append(json.loads(line)["answer"])
        return answers

    def open(self, url: str, cookie: str, count: int, boot: BootInfo) -> None:
        hosts = len(self.procs)
        shares = [count // hosts + (n < count % hosts) for n in range(hosts)]
        info: dict[str, Any] = {
            "state_name": boot.state_name,
            "state_schema": boot.state_schema,
            "hashes": list(boot.hashes),
        }
        self._ask(
            [
                {"cmd": "open", "url": url, "cookie": cookie, "count": n, "boot": info}
                for n in shares
            ]
        )

    def arm(self, handle: str, wait_s: float) -> None:
        self._ask([{"cmd": "arm", "handle": handle, "wait_s": wait_s}] * len(self.procs))

    def collect(self) -> list[float | None]:
        return [t for share in self._ask([{"cmd": "collect"}] * len(self.procs)) for t in share]

    def states(self) -> list[TabState]:
        shares = self._ask([{"cmd": "status"}] * len(self.procs))
        return [TabState(*row) for share in shares for row in share]

    def cpu_seconds(self) -> float:
        return sum(ProcessTree(p.pid).cpu_seconds() for p in self.procs if p.poll() is None)

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError):
            self._ask([{"cmd": "close"}] * len(self.procs), timeout=60)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None:
                    pipe.close()


if __name__ == "__main__":
    asyncio.run(serve())
