"""Send a built ``EmailMessage``. The outbox decides when; a sender only delivers or says why not.

Errors are classified here, at the edge, into one exception:

    MailError(permanent=True)   the mail itself is refused (recipient rejected with 5xx, a
                                message the server will never take, an address with
                                characters SMTP cannot carry): retrying cannot help.
    MailError(permanent=False)  everything else: connection refused, timeouts, 4xx, and
                                problems with *our* configuration (bad SMTP password, From
                                address refused). Retrying with backoff gives an operator time
                                to fix the settings without losing queued mail.
"""

from __future__ import annotations

import hashlib
import smtplib
from dataclasses import dataclass, field
from email.utils import formatdate, parseaddr
from typing import Protocol

from emails.backend.smtp.backend import SMTPBackend
from emails.message import Message

from archive_app.mail.messages import EmailMessage
from archive_app.settings import Settings
from archive_app.static import EMAIL_LOGO, LOGO_CID

SMTP_TIMEOUT_SECONDS = 20


class MailError(Exception):
    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class MailSender(Protocol):
    def send(self, message: EmailMessage, *, message_id: str) -> None:
        """Deliver ``message`` or raise ``MailError``. ``message_id`` is stable per mail."""
        ...


def message_id_header(message_id: str, *, mail_from: str) -> str:
    """A stable RFC 5322 Message-ID: the same ``message_id`` always gives the same header, so
    a receiver that sees a message twice can tell it is one mail."""
    digest = hashlib.sha256(message_id.encode()).hexdigest()[:32]
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "archive.local"
    return f"<{digest}@{domain}>"


class SmtpSender:
    """Delivers through any SMTP server (or the demo sink) with the ``emails`` library.

    One connection per message: the outbox sends a handful of mails every few seconds, and a
    fresh connection never trips over a server that dropped an idle one.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def send(self, message: EmailMessage, *, message_id: str) -> None:
        s = self._settings
        from_name, from_addr = parseaddr(s.mail_from)
        try:
            mail = Message(
                subject=message.subject,
                text=message.text,
                html=message.html,
                mail_from=(from_name or None, from_addr),
                mail_to=message.to,
                message_id=message_id_header(message_id, mail_from=s.mail_from),
                date=formatdate(usegmt=True),
            )
        except ValueError as exc:
            raise MailError(f"cannot build the message: {exc}", permanent=True) from exc
        if f"cid:{LOGO_CID}" in message.html:
            mail.attach(
                data=EMAIL_LOGO.read_bytes(),
                filename=LOGO_CID,
                content_disposition="inline",
                mime_type="image/png",
            )
        backend = SMTPBackend(
            host=s.smtp_host,
            port=s.smtp_port,
            user=s.smtp_user or None,
            password=s.smtp_password.get_secret_value() or None,
            tls=s.smtp_tls,
            timeout=SMTP_TIMEOUT_SECONDS,
            local_hostname=from_addr.rpartition("@")[2] or "localhost",
            fail_silently=False,
        )
        try:
            response = mail.send(smtp=backend)
        except Exception as exc:
            raise _classify(exc, host=f"{s.smtp_host}:{s.smtp_port}", to=message.to) from exc
        finally:
            backend.close()
        if response is None or not response.success:
            status = getattr(response, "status_code", None)
            raise MailError(f"SMTP server did not accept the message ({status})", permanent=False)


def _classify(exc: Exception, *, host: str, to: str) -> MailError:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(
            f"{addr}: {code} {_text(msg)}" for addr, (code, msg) in exc.recipients.items()
        )
        return MailError(
            f"recipient refused: {detail}", permanent=bool(codes) and min(codes) >= 500
        )
    if isinstance(exc, smtplib.SMTPDataError):
        return MailError(
            f"message refused: {exc.smtp_code} {_text(exc.smtp_error)}",
            permanent=exc.smtp_code >= 500,
        )
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return MailError(
            f"SMTP login failed at {host}: check ARCHIVE_SMTP_USER and ARCHIVE_SMTP_PASSWORD",
            permanent=False,
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return MailError(
            f"SMTP error at {host}: {exc.smtp_code} {_text(exc.smtp_error)}", permanent=False
        )
    if isinstance(exc, OSError):  # includes the rest of smtplib.SMTPException
        return MailError(f"cannot reach the SMTP server at {host}: {exc}", permanent=False)
    if isinstance(exc, UnicodeError):
        # smtplib speaks ASCII unless the server and we agree on SMTPUTF8, which we do not ask
        # for: an address like "🚀@example.org" can never be sent this way.
        return MailError(
            f"the address {to!r} has characters SMTP cannot carry here (non-ASCII)",
            permanent=True,
        )
    if isinstance(exc, ValueError):  # e.g. emails.BadHeaderError
        return MailError(f"cannot build the message: {exc}", permanent=True)
    return MailError(f"unexpected error while sending: {exc!r}", permanent=False)


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


@dataclass
class RecordingSender:
    """In-memory fake for unit tests. ``errors`` are raised, in order, by the next sends."""

    errors: list[MailError] = field(default_factory=list)
    sent: list[tuple[EmailMessage, str]] = field(default_factory=list)
    attempts: int = 0

    def send(self, message: EmailMessage, *, message_id: str) -> None:
        self.attempts += 1
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append((message, message_id))

    @property
    def messages(self) -> list[EmailMessage]:
        return [message for message, _ in self.sent]
