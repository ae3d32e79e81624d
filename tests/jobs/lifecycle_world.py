"""The connection lifecycle as the scheduler runs it, with real parts only.

The jobs run through ``run_job_now`` on the app's ``Deps``; TikTok is the simulator on a real
port; mail goes over SMTP to a real server (aiosmtpd); one ``ShiftedClock`` is read by the
app, the simulator and the tests, and moved through the simulator's control API
(``POST /_sim/control/clock``), as the demo and the browser tests move it.
"""

from __future__ import annotations

import email
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.routing import Mount

from archive_app import deps as deps_module
from archive_app.clock import ShiftedClock
from archive_app.db import make_engine
from archive_app.deps import Deps, build_deps
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.jobs.runs import run_job_now
from archive_app.models.sources import Source, SourceEvent
from archive_app.services.sources import connect
from archive_app.services.sources import status as source_service
from archive_app.services.sources.disconnection_mail import HOLD
from archive_app.simulator import create_simulator_app
from tests import factories
from tests.integrations.tiktok_backends import UvicornThread, sim_settings
from tests.mail.conftest import SmtpServer
from tests.ports import free_port


@dataclass
class LifecycleWorld:
    settings: Any
    clock: ShiftedClock
    smtp: SmtpServer
    first_engine: Engine
    deps: Deps = field(init=False)
    control: httpx.Client = field(init=False)
    workspace_id: int = 0
    owner_id: int = 0

    def __post_init__(self) -> None:
        self.deps = self._build_deps(self.first_engine)
        self.control = httpx.Client(base_url=f"{self.settings.public_url}/_sim/control")

    def _build_deps(self, engine: Engine) -> Deps:
        return deps_module.install(build_deps(self.settings, engine=engine, clock=self.clock))

    async def restart(self) -> None:
        """What a restarted process has: a new engine, gateways and ``Deps`` on the same
        database (and the simulator keeps its grants and clock shift, as its store does)."""
        await self._close_gateways()
        if self.deps.engine is not self.first_engine:
            self.deps.engine.dispose()
        url = self.first_engine.url.render_as_string(hide_password=False)
        self.deps = self._build_deps(make_engine(url))

    async def _close_gateways(self) -> None:
        for gateway in self.deps.gateways.values():
            await gateway.aclose()

    @property
    def engine(self) -> Engine:
        return self.deps.engine

    # -- the TikTok side -------------------------------------------------------------------
    def sim(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.control.post(path, json=body or {})
        assert response.status_code < 300, response.text
        return response.json()

    def advance(self, **delta: float) -> None:
        """``advance_days=`` / ``advance_seconds=`` on the clock the app and TikTok share."""
        self.sim("/clock", delta)

    def fail_next(self, endpoint: str, mode: str = "server_error", count: int = 1) -> None:
        self.sim("/failures", {"endpoint": endpoint, "mode": mode, "count": count})

    # -- the app side ----------------------------------------------------------------------
    async def job(self, name: str) -> dict[str, Any]:
        answer = await run_job_now(name, self.deps)
        assert answer["ok"], answer
        return dict(answer["result"])

    async def deliver(self) -> None:
        await self.job("drain_outbox")

    async def deliver_alerts(self) -> None:
        """Send what is due once a disconnection mail's wait for the rest of its outage is
        over (``disconnection_mail.HOLD``): the shared clock moves past it first."""
        self.advance(advance_seconds=HOLD.total_seconds() + 1)
        await self.deliver()

    def workspace(self, owner: str = "owner@brand.com", name: str = "Brand") -> None:
        with Session(self.engine) as s:
            made = factories.workspace(s, email=owner, name=name, now=self.clock.now())
        self.workspace_id, self.owner_id = made.workspace_id, made.user_id

    def add_member(self, address: str) -> int:
        with Session(self.engine) as s:
            return factories.member(
                s,
                workspace_id=self.workspace_id,
                email=address,
                now=self.clock.now(),
            )

    async def connect(
        self, kind: Kind, username: str, *, reminders: list[str] | None = None
    ) -> int:
        """Log in to the simulator as ``username`` (QR for v.1, consent for v.2) and save it."""
        self.sim("/accounts", {"username": username, "display_name": username.title()})
        gateway = self.deps.gateway(kind)
        now = self.clock.now()
        async with httpx.AsyncClient(base_url=self.settings.public_url, timeout=10) as control:
            tokens = await factories.simulator_grant(
                control, gateway, kind=kind, username=username, now=now
            )
        profile = await gateway.profile(access_token=tokens.access_token, open_id=tokens.open_id)
        with Session(self.engine) as s:
            source = source_service.save_connection(
                s,
                workspace_id=self.workspace_id,
                user_id=self.owner_id,
                kind=kind,
                tokens=tokens,
                profile=profile,
                cipher=self.deps.cipher,
                now=now,
                reminder_emails=reminders,
            )
            s.commit()
            assert source.id is not None
            return source.id

    async def reconnect_v2(self, source_id: int, username: str) -> None:
        """The owner's Reconnect of a v.2 source, the app's way: TikTok's consent page (the
        simulator's, answered as ``username``), then the callback's ``finish_consent``."""
        now, gateway = self.clock.now(), self.deps.gateway(Kind.tiktok_v2)
        ids = {"workspace_id": self.workspace_id, "user_id": self.owner_id}
        url = await connect.start_consent(
            self.deps.db, gateway, now=now, source_id=source_id, **ids
        )
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        async with httpx.AsyncClient(timeout=10) as client:
            answer = await client.post(
                url, data={**query, "username": username, "decision": "authorize"}
            )
        assert answer.status_code == 303, answer.text
        back = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}
        await connect.finish_consent(
            self.deps.db,
            gateway,
            state=back["state"],
            code=back.get("code"),
            error=back.get("error"),
            cipher=self.deps.cipher,
            now=now,
            links=self.deps.links,
            **ids,
        )

    def source(self, source_id: int) -> Source:
        with Session(self.engine, expire_on_commit=False) as s:
            found = s.get(Source, source_id)
            assert found is not None
            return found

    def row(self, source_id: int) -> source_service.SourceRow:
        with Session(self.engine) as s:
            rows = source_service.list_sources(
                s, workspace_id=self.workspace_id, user_id=self.owner_id, now=self.clock.now()
            )
        return next(r for r in rows if r.source_id == source_id)

    def events(self, source_id: int) -> list[tuple[str, str]]:
        with Session(self.engine) as s:
            found = s.exec(
                select(SourceEvent).where(SourceEvent.source_id == source_id).order_by("id")
            ).all()
            return [(e.status, e.reason) for e in found]

    # -- mail as the SMTP server received it -------------------------------------------------
    def mail(self, *, to: str | None = None, subject: str | None = None) -> list[Message]:
        found = []
        for envelope in self.smtp.envelopes:
            message = email.message_from_bytes(envelope.content)
            if to is not None and to not in envelope.rcpt_tos:
                continue
            if subject is not None and subject not in str(message["Subject"]):
                continue
            found.append(message)
        return found

    async def close(self) -> None:
        self.control.close()
        await self._close_gateways()
        if self.deps.engine is not self.first_engine:
            self.deps.engine.dispose()
        deps_module.uninstall()


@asynccontextmanager
async def lifecycle_world(
    engine: Engine, tmp_path: Path, smtp: SmtpServer, **overrides: object
) -> AsyncIterator[LifecycleWorld]:
    port = free_port()
    settings = sim_settings(
        port,
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        # One failed call is one failed check: no retries inside the gateway.
        tiktok_max_retries=0,
        **overrides,
    )
    clock = ShiftedClock()
    sim = create_simulator_app(settings=settings, clock=clock)
    with UvicornThread(Starlette(routes=[Mount("/_sim", app=sim)]), port):
        world = LifecycleWorld(settings, clock, smtp, engine)
        try:
            yield world
        finally:
            await world.close()


def body_of(message: Message) -> str:
    parts = message.walk() if message.is_multipart() else [message]
    return "\n".join(
        str(p.get_payload(decode=True).decode(p.get_content_charset() or "utf-8", "replace"))  # type: ignore[union-attr]
        for p in parts
        if p.get_content_maintype() == "text"
    )
