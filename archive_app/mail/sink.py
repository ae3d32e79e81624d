"""The demo SMTP sink: a real SMTP server that keeps every mail as a ``SinkMessage`` row.

In demo mode nothing leaves the machine: ``SmtpSender`` talks SMTP to this sink on
``settings.smtp_port`` and ``/dev/mail`` shows what arrived, so a demo user can click the
Reconnect or invite link. It runs in its own thread and event loop (aiosmtpd's ``Controller``),
so a slow database write never blocks the app's websockets.
"""

from __future__ import annotations

import base64
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email import policy
from email.message import EmailMessage as MimeMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlmodel import Session

from archive_app.clock import Clock, app_clock
from archive_app.models.notifications import SinkMessage
from archive_app.settings import Settings

log = logging.getLogger(__name__)


class _StoreHandler:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw: bytes = envelope.original_content or envelope.content
        try:
            store(
                self._engine,
                raw=raw,
                mail_from=str(envelope.mail_from or ""),
                rcpt_tos=[str(a) for a in envelope.rcpt_tos],
                clock=self._clock,
            )
        except Exception:
            log.exception("mail sink could not store a message")
            return "451 Requested action aborted: local error in processing"
        return "250 Message accepted for delivery"


def store(
    engine: Engine, *, raw: bytes, mail_from: str, rcpt_tos: list[str], clock: Clock
) -> SinkMessage:
    """Parse one received message and keep it."""
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(parsed, MimeMessage)
    row = SinkMessage(
        received_at=clock.now(),
        mail_from=mail_from,
        to_addresses=", ".join(rcpt_tos),
        subject=str(parsed.get("Subject", "")),
        message_id=str(parsed.get("Message-ID", "")),
        raw=raw.decode("utf-8", errors="replace"),
        text_body=_body(parsed, "plain"),
        html_body=_inline_images(parsed, _body(parsed, "html")),
    )
    with Session(engine, expire_on_commit=False) as session:
        session.add(row)
        session.commit()
    return row


def _body(message: MimeMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or not isinstance(part, MimeMessage):
        return ""
    content = part.get_content()
    return content if isinstance(content, str) else ""


def _inline_images(message: MimeMessage, html: str) -> str:
    """Show the mail's embedded images (``cid:`` references) as a mail client does: each one
    becomes a ``data:`` URL of its part, so the logo is drawn in ``/dev/mail``."""
    for part in message.walk():
        content_id = str(part.get("Content-ID", "")).strip().strip("<>")
        if not content_id or part.get_content_maintype() != "image":
            continue
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            url = f"data:{part.get_content_type()};base64,{base64.b64encode(data).decode()}"
            html = html.replace(f"cid:{content_id}", url)
    return html


class MailSink:
    """An aiosmtpd server on ``host:port`` that stores what it receives. ``port=0`` is not
    supported by aiosmtpd's controller: tests pick a free port first."""

    def __init__(self, *, host: str, port: int, engine: Engine, clock: Clock | None = None):
        self.host = host
        self.port = port
        self._handler = _StoreHandler(engine, clock or app_clock())
        self._controller: Controller | None = None

    def start(self) -> None:
        if self._controller is not None:
            return
        # aiosmtpd reports a taken port only after its ready timeout; find out at once.
        socket.create_server((self.host, self.port)).close()
        controller = Controller(
            self._handler,
            hostname=self.host,
            port=self.port,
            server_hostname="archive-mail-sink",
            ready_timeout=10,
        )
        try:
            controller.start()
        except BaseException:
            # aiosmtpd leaves its private loop open when it cannot bind; close it here.
            if controller._thread is not None:
                controller.stop(no_assert=True)
            if not controller.loop.is_closed():
                controller.loop.close()
            raise
        self._controller = controller
        log.info("mail sink listening on %s:%s", self.host, self.port)

    def stop(self) -> None:
        if self._controller is None:
            return
        self._controller.stop()
        self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def __enter__(self) -> MailSink:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@asynccontextmanager
async def mail_sink_lifespan(settings: Settings, *, engine: Engine) -> AsyncIterator[None]:
    """Run the sink for the app's lifetime when ``settings.mail_sink`` is on (demo mode).

    Every worker runs every lifespan task; only the first one binds the port, the others
    log and carry on (they deliver into the same sink over SMTP).
    """
    if not settings.mail_sink:
        yield
        return
    sink = MailSink(host=settings.smtp_host, port=settings.smtp_port, engine=engine)
    try:
        sink.start()
    except OSError as exc:
        log.warning("mail sink not started on %s:%s: %s", sink.host, sink.port, exc)
    try:
        yield
    finally:
        sink.stop()
