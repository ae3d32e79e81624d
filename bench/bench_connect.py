"""The v.1 wizard's promise: a QR code on screen in under a second after "Connect TikTok".

Measures the server side of that click against the simulator over real HTTP on loopback: open
the attempt (SQLite), ask TikTok for a QR code, store it, and draw the SVG. Also one poll of
the QR status (what the wizard does every second while it waits).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from cryptography.fernet import Fernet
from sqlmodel import Session, SQLModel

import archive_app.models  # noqa: F401
from archive_app.clock import ShiftedClock
from archive_app.crypto import TokenCipher
from archive_app.db import make_engine
from archive_app.integrations.tiktok.client import gateway_for
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.services import signup
from archive_app.services.sources import qr as connect_qr
from archive_app.services.sources.qr_image import qr_data_url
from archive_app.settings import Mode, Settings
from archive_app.simulator import create_simulator_app
from bench.common import machine, report
from tests.ports import free_port

T = TypeVar("T")


def _wait_until_started(server: object) -> None:
    deadline = time.monotonic() + 10
    while not getattr(server, "started", False):
        if time.monotonic() > deadline:
            raise RuntimeError("simulator did not start")
        time.sleep(0.01)


async def main(rounds: int = 30) -> None:
    import threading

    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import Mount

    print(f"# connect ({machine()})")
    tmp = Path(tempfile.mkdtemp(prefix="archive-bench-"))
    port = free_port()
    settings = Settings(
        _env_file=None,
        mode=Mode.test,
        data_dir=tmp,  # type: ignore[call-arg]
        public_url=f"http://127.0.0.1:{port}",
    )
    clock = ShiftedClock()
    sim = create_simulator_app(settings=settings, clock=clock)
    server = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=[Mount("/_sim", app=sim)]),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    await asyncio.to_thread(_wait_until_started, server)

    engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as s:
        owner = signup.sign_up(
            s,
            email="bench@brand.com",
            password="bench-pass",
            workspace_name="Bench",
            now=clock.now(),
        )
        s.commit()

    async def db(work: Callable[[Session], T]) -> T:
        def run() -> T:
            with Session(engine, expire_on_commit=False) as s:
                result = work(s)
                s.commit()
                return result

        return await asyncio.to_thread(run)

    gateway = gateway_for(Kind.tiktok_v1, settings)
    cipher = TokenCipher(Fernet.generate_key())
    to_qr, polls = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        progress = await connect_qr.start_qr(
            db,
            gateway,
            workspace_id=owner.workspace_id,
            user_id=owner.user_id,
            reminder_emails=["bench@brand.com"],
            now=clock.now(),
        )
        qr_data_url(progress.scan_url)
        to_qr.append(time.perf_counter() - start)
        start = time.perf_counter()
        await connect_qr.poll_qr(
            db,
            gateway,
            attempt_id=progress.attempt_id,
            workspace_id=owner.workspace_id,
            user_id=owner.user_id,
            cipher=cipher,
            now=clock.now(),
        )
        polls.append(time.perf_counter() - start)
    report("Connect TikTok → QR code drawn (server side)", to_qr)
    report("one QR status poll", polls)
    await gateway.aclose()
    server.should_exit = True
    thread.join(timeout=5)
    engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
