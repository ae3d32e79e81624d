"""SmtpSender against a real SMTP server (aiosmtpd on a free port)."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from archive_app.mail.disconnection import disconnection_message
from archive_app.mail.sender import MailError, RecordingSender, SmtpSender
from archive_app.settings import Settings
from archive_app.static import EMAIL_LOGO


def _message():
    return disconnection_message(
        to="owner@brand.example",
        workspace_name="Brand",
        source_handle="brandofficial",
        source_kind_name="TikTok Account v.2",
        reason="TikTok reported the authorization was removed",
        reconnect_url="http://localhost:3000/settings/sources/9/reconnect",
        help_url="https://help.archive.local/connecting-tiktok",
    )


def test_mail_arrives_with_subject_recipient_bodies_and_a_stable_message_id(
    smtp_server, mail_settings: Settings
):
    sender = SmtpSender(mail_settings)
    sender.send(_message(), message_id="outbox:1:disconnect:abc")
    sender.send(_message(), message_id="outbox:1:disconnect:abc")  # e.g. a resend by hand

    assert len(smtp_server.envelopes) == 2
    first, second = (
        message_from_bytes(e.original_content, policy=policy.default) for e in smtp_server.envelopes
    )
    envelope = smtp_server.envelopes[0]
    assert envelope.mail_from == "notifications@archive.example"
    assert envelope.rcpt_tos == ["owner@brand.example"]
    assert first["Subject"] == "[ACTION REQUIRED]: TikTok Reconnection Needed"
    assert first["To"] == "owner@brand.example"
    assert first["From"] == "Archive <notifications@archive.example>"
    assert first["Message-ID"].endswith("@archive.example>")
    assert first["Message-ID"] == second["Message-ID"]  # a receiver can dedupe
    text = first.get_body(preferencelist=("plain",)).get_content()
    html = first.get_body(preferencelist=("html",)).get_content()
    assert "http://localhost:3000/settings/sources/9/reconnect" in text
    assert ">Reconnect</a>" in html


def test_different_mails_get_different_message_ids(smtp_server, mail_settings: Settings):
    sender = SmtpSender(mail_settings)
    sender.send(_message(), message_id="a")
    sender.send(_message(), message_id="b")
    ids = {message_from_bytes(e.original_content)["Message-ID"] for e in smtp_server.envelopes}
    assert len(ids) == 2


def test_a_refused_recipient_is_a_permanent_error(smtp_server, mail_settings: Settings):
    smtp_server.refuse_rcpt = "550 5.1.1 No such user"
    with pytest.raises(MailError, match="No such user") as caught:
        SmtpSender(mail_settings).send(_message(), message_id="x")
    assert caught.value.permanent
    assert smtp_server.envelopes == []


def test_a_busy_server_is_a_transient_error(smtp_server, mail_settings: Settings):
    smtp_server.refuse_rcpt = "451 4.3.0 Try again later"
    with pytest.raises(MailError) as caught:
        SmtpSender(mail_settings).send(_message(), message_id="x")
    assert not caught.value.permanent


def test_no_server_listening_is_a_transient_error_naming_the_address(tmp_path, free_port):
    port = free_port
    settings = Settings(mode="test", data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=port)
    with pytest.raises(MailError, match=f"127.0.0.1:{port}") as caught:
        SmtpSender(settings).send(_message(), message_id="x")
    assert not caught.value.permanent


def test_recording_sender_records_and_raises_scripted_errors():
    sender = RecordingSender(errors=[MailError("busy", permanent=False)])
    with pytest.raises(MailError):
        sender.send(_message(), message_id="1")
    sender.send(_message(), message_id="1")
    assert sender.attempts == 2
    assert [m.subject for m in sender.messages] == [_message().subject]


def test_the_logo_travels_inside_the_mail_as_the_image_the_html_shows(
    smtp_server, mail_settings: Settings
):
    SmtpSender(mail_settings).send(_message(), message_id="outbox:2:logo:abc")
    received = message_from_bytes(smtp_server.envelopes[0].original_content, policy=policy.default)
    html = received.get_body(preferencelist=("html",)).get_content()
    assert '<img src="cid:archive-logo.png"' in html
    images = [p for p in received.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1
    assert images[0]["Content-ID"] == "<archive-logo.png>"
    assert images[0].get_content() == EMAIL_LOGO.read_bytes()
