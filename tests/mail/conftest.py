"""Fixtures for the mail tests: a real SMTP server (aiosmtpd). ``engine``/``session`` come from
tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from archive_app.settings import Settings
from tests.ports import free_port as any_free_port


@pytest.fixture
def free_port() -> int:
    """A TCP port nobody listens on right now."""
    return any_free_port()


@dataclass
class SmtpServer:
    """A real SMTP server that keeps envelopes; ``refuse_rcpt`` makes it answer RCPT with
    that reply (e.g. "550 5.1.1 no such user")."""

    port: int = 0
    envelopes: list[Any] = field(default_factory=list)
    refuse_rcpt: str | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer(port=any_free_port())
    controller = Controller(
        server, hostname="127.0.0.1", port=server.port, server_hostname="test-smtp"
    )
    controller.start()
    yield server
    controller.stop()


@pytest.fixture
def mail_settings(tmp_path: Path, smtp_server: SmtpServer) -> Settings:
    return Settings(
        mode="test",
        data_dir=tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        mail_from="Archive <notifications@archive.example>",
    )
