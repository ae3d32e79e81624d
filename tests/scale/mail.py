"""A real SMTP server (aiosmtpd) that takes its time over each mail, so a batch is still being
sent when a replica is killed, and remembers every mail it took by its Message-ID."""

from __future__ import annotations

import asyncio
import email
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller

from tests.ports import free_port


@dataclass(frozen=True)
class Received:
    message_id: str
    to: str
    subject: str


@dataclass
class SlowInbox:
    seconds: float
    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.seconds)
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            self.received.append(
                Received(str(message["Message-ID"]), str(message["To"]), str(message["Subject"]))
            )
        return "250 OK"

    @contextmanager
    def serving(self) -> Iterator[SlowInbox]:
        controller = Controller(self, hostname="127.0.0.1", port=self.port)
        controller.start()
        try:
            yield self
        finally:
            controller.stop()

    def mails(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def to(self, domain: str) -> list[Received]:
        return [m for m in self.mails() if m.to.endswith(f"@{domain}")]

    def twice(self) -> list[str]:
        """Message-IDs received more than once (the outbox promises at most once)."""
        return [mid for mid, n in Counter(m.message_id for m in self.mails()).items() if n > 1]
