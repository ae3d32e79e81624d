"""Logging: one line per event, with level, UTC time and the request or job it belongs to.

``ARCHIVE_LOG_FORMAT=json`` writes one JSON object per line (``time``, ``level``, ``logger``,
``message``, ``request_id`` / ``job_id``, ``exc``); the default is text. A traceback stays in
its event's line. No secret reaches the log: every configured secret value (the encryption
key, SMTP password, TikTok client secrets) is replaced by ``[redacted]`` wherever it appears, and
so is anything shaped like a credential (``access_token=…``, ``"refresh_token": "…"``,
``password=…``, ``Bearer …``, an ``archive_session`` cookie).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from archive_app.settings import Settings

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
job_id: contextvars.ContextVar[str] = contextvars.ContextVar("job_id", default="")

REDACTED = "[redacted]"
_CREDENTIAL = re.compile(
    r"""(?ix)
    ( (?:access|refresh)_?token | client_secret | password | passwd | secret | code_verifier
      | archive_session | archive_signup | authorization | tiktok-signature | api[_-]?key )
    ( ["']?\s*[:=]\s*["']? | \s+ )
    (?:bearer\s+)?
    ( [^\s"'&,;}]{4,} )
    """
)
_BEARER = re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}")
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class Redactor:
    """Replaces known secret values and credential-shaped text."""

    def __init__(self, secret_values: Iterable[str] = ()) -> None:
        self.values = sorted({v for v in secret_values if len(v) >= 6}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for value in self.values:
            if value in text:
                text = text.replace(value, REDACTED)
        text = _CREDENTIAL.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
        return _BEARER.sub(f"Bearer {REDACTED}", text)


def secret_values(settings: Settings) -> list[str]:
    values = [
        settings.encryption_key.get_secret_value(),
        settings.smtp_password.get_secret_value(),
        settings.tiktok_v1_client_secret.get_secret_value(),
        settings.tiktok_v2_client_secret.get_secret_value(),
        settings.tiktok_webhook_secret.get_secret_value(),
    ]
    if settings.redis_url and "@" in settings.redis_url:
        values.append(settings.redis_url)
    if "@" in settings.database_url:
        values.append(settings.database_url)
    return values


class _Formatter(logging.Formatter):
    def __init__(self, *, as_json: bool, redact: Redactor) -> None:
        super().__init__()
        self.as_json = as_json
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        time = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        message = self.redact(record.getMessage())
        exc = self.redact(self.formatException(record.exc_info)) if record.exc_info else ""
        rid, jid = request_id.get(), job_id.get()
        if self.as_json:
            entry: dict[str, Any] = {
                "time": time.replace("+00:00", "Z"),
                "level": record.levelname,
                "logger": record.name,
                "message": message,
            }
            if rid:
                entry["request_id"] = rid
            if jid:
                entry["job_id"] = jid
            if exc:
                entry["exc"] = exc
            return json.dumps(entry, ensure_ascii=False)
        where = f" request={rid}" if rid else ""
        where += f" job={jid}" if jid else ""
        line = (
            f"{time.replace('+00:00', 'Z')} {record.levelname:<7} {record.name}{where}: {message}"
        )
        if exc:
            line += " | " + exc.replace("\n", " | ")
        return line.replace("\n", "\\n")


HANDLER_NAME = "archive"


def configure(settings: Settings, *, stream: Any = None) -> logging.Handler:
    """Install the one handler on the root logger (again: replaces ours, keeps others')."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(
        _Formatter(as_json=settings.log_format == "json", redact=Redactor(secret_values(settings)))
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for noisy in ("httpx", "httpcore", "apscheduler", "mail.log"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    return handler


def new_id() -> str:
    return secrets.token_hex(6)


class RequestIds:
    """ASGI middleware: each HTTP request gets an id (a safe ``X-Request-ID`` from the proxy is
    kept), set for every log line of that request and sent back in ``X-Request-ID``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _SAFE_ID.fullmatch(given) else new_id()
        token = request_id.set(rid)

        async def send_with_id(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [*message["headers"], (b"x-request-id", rid.encode())],
                }
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)
