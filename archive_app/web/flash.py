"""One-time messages after a form post or an OAuth round trip ("flash"), never from the URL.

A page that showed ``?error=<text>`` let anyone link to our login page with a sentence of their
choosing. Instead, the route that refuses a form redirects with a short-lived HttpOnly cookie
holding the message (and the fields to fill in again); only our own response to that browser's
own request can set it, so a link cannot. The cookie is signed (HMAC with a key derived from
the encryption key), so a cookie planted another way (a sibling subdomain, a script) is ignored:
the page shows only sentences this app wrote. The page reads it from the socket's cookie header
and remembers the flash's id, so it is shown once.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass, field

from starlette.responses import RedirectResponse, Response

from archive_app.crypto import sign, signature_ok
from archive_app.web.cookies import read_cookie

FLASH_COOKIE = "archive_flash"
FLASH_SECONDS = 60
MAX_TEXT = 500


@dataclass(frozen=True)
class Flash:
    flash_id: str
    path: str
    error: str
    fields: dict[str, str] = field(default_factory=dict)

    def for_page(self, path: str) -> bool:
        return self.path.rstrip("/") == path.rstrip("/")


def redirect_with_flash(
    path: str, error: str, *, secure: bool, key: bytes, **fields: str
) -> RedirectResponse:
    """A 303 to ``path`` that shows ``error`` there once (``fields`` refill the form).

    ``key`` is ``deps.cipher.signing_key``."""
    payload = {
        "id": secrets.token_hex(8),
        "path": path,
        "error": error[:MAX_TEXT],
        "fields": {k: v[:MAX_TEXT] for k, v in fields.items() if v},
    }
    # Unpadded base64url: a cookie value without "=" is never quoted.
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    value = f"{body}.{sign(key, body.encode())}"
    response = RedirectResponse(path, status_code=303)
    response.set_cookie(
        FLASH_COOKIE,
        value,
        max_age=FLASH_SECONDS,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    return response


def clear_flash(response: Response) -> Response:
    """``response`` also ends any flash not shown yet: a newer outcome replaces it."""
    response.delete_cookie(FLASH_COOKIE, path="/", httponly=True, samesite="lax")
    return response


def read_flash(cookie_header: str | None, *, page: str, key: bytes, seen: str = "") -> Flash | None:
    """The flash for ``page`` in a Cookie header, unless it is absent, expired, not signed
    with ``key``, for another page, or the one this tab showed already (its id is ``seen``)."""
    value = read_cookie(cookie_header, FLASH_COOKIE)
    if value is None or "." not in value:
        return None
    raw, signature = value.rsplit(".", 1)
    if not signature_ok(key, raw.encode(), signature):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        fields = data.get("fields", {})
        flash = Flash(
            flash_id=str(data["id"])[:32],
            path=str(data.get("path", ""))[:MAX_TEXT],
            error=str(data.get("error", ""))[:MAX_TEXT],
            fields={str(k): str(v)[:MAX_TEXT] for k, v in fields.items()},
        )
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error):
        return None
    if not flash.for_page(page) or flash.flash_id == seen:
        return None
    return flash
