"""The creator page's two cookies, signed with the app's signing key (``crypto.sign``).

- ``archive_portal_login`` (10 minutes): the OAuth ``state`` of one `Continue with TikTok` and
  the link it returns to. The callback accepts TikTok's ``state`` only if it equals this one.
- ``archive_portal_id`` (1 hour): which TikTok account logged in, bound to one request's link
  hash, so it proves nothing for another request.

Both are HttpOnly, SameSite=Lax (TikTok's redirect back is a top-level GET, which carries
them), ``Secure`` on https, and scoped to ``/r/``. A tampered or expired value reads as absent.
The CSRF token of the answer form is an HMAC of the link hash under the same key: a page on
another site cannot know it, and the route checks ``Origin`` too.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from starlette.responses import Response

from archive_app.crypto import sign, signature_ok
from archive_app.web.cookies import read_cookie

LOGIN_COOKIE = "archive_portal_login"
ID_COOKIE = "archive_portal_id"
COOKIE_PATH = "/r/"
LOGIN_LIFETIME = timedelta(minutes=10)
ID_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class LoggedIn:
    link_hash: str
    open_id: str
    username: str


def _pack(key: bytes, data: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()
    return f"{body}.{sign(key, body.encode())}"


def _unpack(key: bytes, value: str | None, *, now: datetime) -> dict[str, Any] | None:
    if not value or "." not in value:
        return None
    body, signature = value.rsplit(".", 1)
    if not signature_ok(key, body.encode(), signature):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body.encode()))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(data, dict) or float(data.get("exp", 0)) < now.timestamp():
        return None
    return data


def _set(response: Response, name: str, value: str, *, lifetime: timedelta, secure: bool) -> None:
    response.set_cookie(
        name,
        value,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure,
        path=COOKIE_PATH,
    )


def set_login(
    response: Response, *, key: bytes, state: str, token: str, now: datetime, secure: bool
) -> None:
    data = {"s": state, "t": token, "exp": (now + LOGIN_LIFETIME).timestamp()}
    _set(response, LOGIN_COOKIE, _pack(key, data), lifetime=LOGIN_LIFETIME, secure=secure)


def read_login(cookie_header: str | None, *, key: bytes, now: datetime) -> tuple[str, str] | None:
    """(state, link token) of the login in progress, or None."""
    data = _unpack(key, read_cookie(cookie_header, LOGIN_COOKIE), now=now)
    if data is None:
        return None
    return str(data.get("s", "")), str(data.get("t", ""))


def set_logged_in(
    response: Response, *, key: bytes, who: LoggedIn, now: datetime, secure: bool
) -> None:
    data = {
        "h": who.link_hash,
        "o": who.open_id,
        "u": who.username,
        "exp": (now + ID_LIFETIME).timestamp(),
    }
    _set(response, ID_COOKIE, _pack(key, data), lifetime=ID_LIFETIME, secure=secure)
    response.delete_cookie(LOGIN_COOKIE, path=COOKIE_PATH)


def read_logged_in(
    cookie_header: str | None, *, key: bytes, link_hash: str, now: datetime
) -> LoggedIn | None:
    """The TikTok account logged in for this link (another link's login does not count)."""
    data = _unpack(key, read_cookie(cookie_header, ID_COOKIE), now=now)
    if data is None or data.get("h") != link_hash:
        return None
    return LoggedIn(link_hash, str(data.get("o", "")), str(data.get("u", "")))


def csrf_token(key: bytes, link_hash: str) -> str:
    return sign(key, b"portal-csrf:" + link_hash.encode())


def csrf_ok(key: bytes, link_hash: str, given: str) -> bool:
    return signature_ok(key, b"portal-csrf:" + link_hash.encode(), given)
