"""Is a closed tab's memory given back? Open 300 tabs, close them all, three times over.

RSS seldom shrinks (Python keeps freed memory in its own pools), so the honest figure is
whether the second and third rounds reuse it: a leak grows RSS every round. Prints RSS with the
tabs open and after they closed, per round. ``python -m bench.push_reuse [--tabs N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.push import Server, free_port, server_env
from bench.tabs import ROOT, boot_info, login_cookie, open_tabs


async def _rounds(server: Server, tabs: int, rounds: int) -> list[tuple[int, int]]:
    boot = await asyncio.to_thread(boot_info, ROOT, server.env)
    cookie = await login_cookie(server.url, "demo@example.com", "demo1234")
    figures = []
    for _ in range(rounds):
        opened = await open_tabs(server.url, cookie, tabs, boot=boot)
        await asyncio.gather(*(t.wait_hydrated() for t in opened))
        await asyncio.sleep(2)
        with_tabs = server.tree.rss_kb() // 1024
        await asyncio.gather(*(t.disconnect() for t in opened))
        await asyncio.sleep(3)
        figures.append((with_tabs, server.tree.rss_kb() // 1024))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    cli = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="archive-bench-reuse-"))
    args = argparse.Namespace(workers=1, app_dir=ROOT, with_frontend=False)
    port = free_port()
    env = server_env(args, work=work, port=port, smtp=free_port(), db_url="", redis_url="")
    env.pop("ARCHIVE_DATABASE_URL")
    env.pop("ARCHIVE_REDIS_URL")
    alembic = str(Path(sys.executable).parent / "alembic")
    subprocess.run([alembic, "upgrade", "head"], cwd=ROOT, env=env, check=True, capture_output=True)
    server = Server(app_dir=ROOT, env=env, port=port, log_path=work / "app.log")
    server.start()
    try:
        before = server.tree.rss_kb() // 1024
        figures = asyncio.run(_rounds(server, cli.tabs, cli.rounds))
    finally:
        server.stop()
    print(f"backend RSS before any tab: {before} MB")
    print(f"| round | RSS with {cli.tabs} tabs open | RSS after they closed |")
    print("|---|---|---|")
    for n, (open_mb, closed_mb) in enumerate(figures, 1):
        print(f"| {n} | {open_mb} MB | {closed_mb} MB |")


if __name__ == "__main__":
    main()
