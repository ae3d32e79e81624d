"""The demo sink is a real SMTP server that keeps what it receives."""

from __future__ import annotations

import asyncio
import email
import email.policy
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, select

from archive_app.clock import FixedClock
from archive_app.db import engine_for
from archive_app.mail.messages import invite_message
from archive_app.mail.sender import SmtpSender
from archive_app.mail.sink import MailSink, mail_sink_lifespan
from archive_app.models.notifications import SinkMessage
from archive_app.settings import Settings

AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _invite_through_the_sink(engine: Engine, tmp_path, port: int) -> SinkMessage:
    """An invitation sent over real SMTP to a sink on ``port``; the row the sink kept."""
    settings = Settings(mode="test", data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=port)
    message = invite_message(
        workspace_name="Brand",
        inviter_email="owner@brand.example",
        accept_url="http://localhost:3000/invite/tok",
        to="new@brand.example",
    )
    assert "cid:archive-logo.png" in message.html  # the logo travels as an inline part
    with MailSink(host="127.0.0.1", port=port, engine=engine, clock=FixedClock(AT)):
        SmtpSender(settings).send(message, message_id="invite:1")
    with Session(engine) as session:
        return session.exec(select(SinkMessage)).one()


def test_mail_sent_over_smtp_to_the_sink_is_stored(engine: Engine, tmp_path, free_port):
    row = _invite_through_the_sink(engine, tmp_path, free_port)
    assert row.subject == "You're invited to Brand on Archive"
    assert row.to_addresses == "new@brand.example"
    assert row.mail_from == "notifications@archive.local"
    assert row.received_at == AT
    assert row.message_id.startswith("<") and row.message_id.endswith("@archive.local>")
    assert "http://localhost:3000/invite/tok" in row.text_body
    assert 'href="http://localhost:3000/invite/tok"' in row.html_body
    assert "Subject: You're invited to Brand on Archive" in row.raw


def test_the_sink_draws_the_embedded_logo_as_a_data_url(engine: Engine, tmp_path, free_port):
    row = _invite_through_the_sink(engine, tmp_path, free_port)
    assert "cid:" not in row.html_body
    assert 'src="data:image/png;base64,iVBORw0KGgo' in row.html_body  # the PNG signature
    stored = email.message_from_string(row.raw, policy=email.policy.default)
    html_part = stored.get_body(preferencelist=("html",))
    assert html_part is not None
    assert "cid:archive-logo.png" in html_part.get_content(), "the stored mail is unchanged"


def test_a_second_sink_on_a_taken_port_fails_cleanly(engine: Engine, free_port):
    port = free_port
    with MailSink(host="127.0.0.1", port=port, engine=engine) as first:
        second = MailSink(host="127.0.0.1", port=port, engine=engine)
        with pytest.raises(OSError):
            second.start()
        assert first.running and not second.running


async def test_in_demo_mode_the_app_runs_the_sink_on_the_smtp_port(
    tmp_path, free_port, monkeypatch
):
    settings = Settings(
        mode="test",
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/demo.db",
        mail_sink=True,
        smtp_host="127.0.0.1",
        smtp_port=free_port,
    )
    engine = engine_for(settings)
    try:
        SQLModel.metadata.create_all(engine)
        message = invite_message(
            workspace_name="Brand",
            inviter_email="owner@brand.example",
            accept_url="http://localhost:3000/invite/tok",
            to="new@brand.example",
        )
        async with mail_sink_lifespan(settings, engine=engine):
            await asyncio.to_thread(SmtpSender(settings).send, message, message_id="i")
        with Session(engine) as session:
            assert [m.subject for m in session.exec(select(SinkMessage))] == [message.subject]
    finally:
        engine.dispose()
