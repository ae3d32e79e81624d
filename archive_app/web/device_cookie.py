"""The device cookie (OWASP): this browser logged in to an account before.

Set after each successful log-in, for a year: the account's user id and a random device id,
signed (HMAC with ``deps.cipher.signing_key``, in a domain of its own so no other signed value
of ours passes for it). A log-in try that comes with a valid cookie for the account being tried
is judged by that browser's own failures only (``services/login_throttle.py``), so failures
from elsewhere (the same office, a proxy, a botnet) cannot lock its owner out; its own wrong
passwords still count, keyed by the device id. Nothing else trusts it: it is no session.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from starlette.responses import Response

from archive_app.crypto import sign, signature_ok
from archive_app.web.cookies import read_cookie

DEVICE_COOKIE = "archive_device"
DEVICE_LIFETIME = timedelta(days=365)
_DOMAIN = b"archive device cookie:"
_SHAPE = re.compile(r"(\d{1,18})\.([A-Za-z0-9_-]{16,43})\.([0-9a-f]{64})")


@dataclass(frozen=True)
class DeviceCookie:
    user_id: int
    device_id: str


def _signature(key: bytes, user_id: int, device_id: str) -> str:
    return sign(key, _DOMAIN + f"{user_id}.{device_id}".encode())


def read_device(cookie_header: str | None, *, key: bytes) -> DeviceCookie | None:
    """The device cookie in a Cookie header, or None when absent, malformed or not ours."""
    value = read_cookie(cookie_header, DEVICE_COOKIE)
    match = _SHAPE.fullmatch(value or "")
    if match is None:
        return None
    user_id, device_id, signature = int(match[1]), match[2], match[3]
    if not signature_ok(key, _DOMAIN + f"{user_id}.{device_id}".encode(), signature):
        return None
    return DeviceCookie(user_id=user_id, device_id=device_id)


def set_device_cookie(
    response: Response,
    *,
    user_id: int,
    key: bytes,
    secure: bool,
    known: DeviceCookie | None = None,
) -> DeviceCookie:
    """Name ``user_id`` in this browser's device cookie (keeping its id when it had one)."""
    device_id = known.device_id if known is not None else secrets.token_urlsafe(16)
    value = f"{user_id}.{device_id}.{_signature(key, user_id, device_id)}"
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=int(DEVICE_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    return DeviceCookie(user_id=user_id, device_id=device_id)
