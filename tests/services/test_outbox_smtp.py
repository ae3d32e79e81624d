"""The outbox against a real SMTP server (aiosmtpd): what it gives up on, and when."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from archive_app.mail.sender import SmtpSender
from archive_app.models.notifications import OutboxStatus
from archive_app.services import admin, outbox
from archive_app.settings import Settings

# The real SMTP server and its settings live with the mail tests.
from tests.mail.conftest import SmtpServer, mail_settings, smtp_server  # noqa: F401
from tests.services.test_outbox import _enqueue, _row


def _give_ups(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "gave up" in r.getMessage()]


def test_a_non_ascii_address_is_failed_at_once_with_a_reason_a_person_can_read(
    engine: Engine,
    now: datetime,
    smtp_server: SmtpServer,  # noqa: F811
    mail_settings: Settings,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
):
    row_id = _enqueue(engine, now, to="🚀@example.org")
    sender = SmtpSender(mail_settings)
    first = outbox.drain(engine, sender=sender, now=now)
    later = outbox.drain(engine, sender=sender, now=now + timedelta(days=1))
    assert (first.failed, later) == (1, outbox.DrainResult())
    row = _row(engine, row_id)
    assert row.status == OutboxStatus.failed and row.attempts == 1
    assert row.last_error == (
        "the address '🚀@example.org' has characters SMTP cannot carry here (non-ASCII)"
    )
    [give_up] = _give_ups(caplog)
    assert give_up.levelno == logging.WARNING and give_up.exc_info is None
    assert smtp_server.envelopes == []


def test_a_recipient_refused_with_5xx_is_failed_after_one_attempt(
    engine: Engine,
    now: datetime,
    smtp_server: SmtpServer,  # noqa: F811
    mail_settings: Settings,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
):
    smtp_server.refuse_rcpt = "550 5.1.1 no such user"
    row_id = _enqueue(engine, now, to="gone@brand.example")
    sender = SmtpSender(mail_settings)
    assert outbox.drain(engine, sender=sender, now=now).failed == 1
    assert outbox.drain(engine, sender=sender, now=now + timedelta(days=1)) == outbox.DrainResult()
    row = _row(engine, row_id)
    assert row.status == OutboxStatus.failed and row.attempts == 1
    assert "550" in (row.last_error or "")
    [give_up] = _give_ups(caplog)
    assert "permanent error" in give_up.getMessage() and give_up.exc_info is None


def test_a_server_that_keeps_saying_try_later_is_given_up_after_max_attempts(
    engine: Engine,
    now: datetime,
    smtp_server: SmtpServer,  # noqa: F811
    mail_settings: Settings,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
):
    smtp_server.refuse_rcpt = "451 4.3.0 try again later"
    row_id = _enqueue(engine, now, to="owner@brand.example")
    sender = SmtpSender(mail_settings)
    at = now
    for _ in range(outbox.MAX_ATTEMPTS + 3):
        outbox.drain(engine, sender=sender, now=at)
        at += outbox.MAX_BACKOFF
    row = _row(engine, row_id)
    assert row.status == OutboxStatus.failed and row.attempts == outbox.MAX_ATTEMPTS
    assert "451" in (row.last_error or "")
    [give_up] = _give_ups(caplog)
    assert f"{outbox.MAX_ATTEMPTS} attempts" in give_up.getMessage()
    assert all(r.exc_info is None for r in caplog.records)
    with Session(engine) as session:
        assert admin.failed_count(session) == 1
