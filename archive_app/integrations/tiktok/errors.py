"""Every way TikTok can say no, classified once, at the edge.

Services decide what to do from the class alone (retry later, refresh, or disconnect), so every
TikTok error shape in TIKTOK.md is mapped here and nowhere else::

    TikTokError
     ├── TransientError      timeout, network, HTTP 5xx, 429, Business 40100 / 50000.
     │                       Retry later; ``retry_after`` seconds when TikTok said so.
     │                       One of these never disconnects a source (Postiz PR #1822).
     ├── GrantRevoked        the grant is gone: revoked in the app, refresh token invalid or
     │                       expired, permission missing. ``reason`` is shown to people.
     ├── TokenExpired        the access token is no longer accepted: refresh, then retry.
     └── InvalidRequest      our request is wrong (bad code, bad client, bad parameter).
          ├── QrTicketMismatch  a confirmed QR login carried someone else's client_ticket.
          └── InvalidSignature  a webhook whose signature or timestamp does not check out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal


class TikTokError(Exception):
    """Base of everything the TikTok layer raises."""

    def __init__(self, message: str, *, code: str | int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class TransientError(TikTokError):
    def __init__(
        self, message: str, *, code: str | int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class GrantRevoked(TikTokError):
    def __init__(self, reason: str, *, code: str | int | None = None) -> None:
        super().__init__(reason, code=code)
        self.reason = reason


class TokenExpired(TikTokError):
    pass


class InvalidRequest(TikTokError):
    pass


class QrTicketMismatch(InvalidRequest):
    pass


class InvalidSignature(InvalidRequest):
    pass


# What people read when TikTok ends a grant (webhook ``authorization.removed`` reasons).
REMOVAL_REASONS: Mapping[int, str] = {
    1: "Access was revoked in the TikTok app",
    2: "The TikTok account was deleted",
    3: "TikTok ended the connection because the account's age changed",
    4: "The TikTok account was banned",
    5: "TikTok ended Archive's access to the account",
}
REFRESH_REFUSED = "TikTok no longer accepts this connection; reconnect the account"
CONNECTION_EXPIRED = "The TikTok connection reached its end date; reconnect the account"
MISSING_PERMISSION = (
    "TikTok says a permission Archive needs is missing; reconnect and allow every permission"
)


def removal_reason(code: int) -> str:
    return REMOVAL_REASONS.get(code, f"TikTok ended the connection (reason {code})")


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after") or headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


OAuthStep = Literal["code", "refresh", "other"]


def from_oauth_error(error: str, description: str, *, step: OAuthStep) -> TikTokError:
    """OAuth error values (``{"error", "error_description", "log_id"}``).

    ``invalid_grant`` on a refresh means the grant is gone; on a code exchange it only means the
    code was used or expired, so the person starts the connection again.
    """
    text = description or error
    if error in {"server_error", "temporarily_unavailable"}:
        return TransientError(f"TikTok is temporarily unavailable: {text}", code=error)
    if error == "invalid_grant":
        if step == "refresh":
            return GrantRevoked(REFRESH_REFUSED, code=error)
        return InvalidRequest(
            "The TikTok sign-in code expired or was already used; start the connection again",
            code=error,
        )
    if error == "access_denied":
        return GrantRevoked("Access was not granted in TikTok", code=error)
    return InvalidRequest(f"TikTok refused the request ({error}): {text}", code=error)


def from_login_kit(
    status: int, body: Any, headers: Mapping[str, str], *, step: OAuthStep = "other"
) -> TikTokError | None:
    """Login Kit answers errors as HTTP 4xx/5xx; ``None`` when the response is a success."""
    transient = from_http_status(status, headers)
    error: Any = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, str) and transient is None:  # OAuth shape on the token endpoints
        return from_oauth_error(error, str(body.get("error_description", "")), step=step)
    code = str(error.get("code", "")) if isinstance(error, dict) else ""
    message = str(error.get("message", "")) if isinstance(error, dict) else ""
    if transient is not None:
        return transient
    if code in {"rate_limit_exceeded", "internal_error"}:
        return TransientError(f"TikTok is busy ({code})", code=code)
    if code in {"access_token_invalid", "access_token_expired"} or status == 401:
        return TokenExpired("TikTok no longer accepts the access token", code=code or status)
    if code == "scope_not_authorized":
        return GrantRevoked(MISSING_PERMISSION, code=code)
    if status >= 400 or (code and code != "ok"):
        return InvalidRequest(
            f"TikTok refused the request ({code or status}): {message}", code=code
        )
    return None


# Business API: always HTTP 200, ``code != 0`` is a failure.
_BUSINESS: Mapping[int, tuple[type[TikTokError], str]] = {
    40001: (GrantRevoked, MISSING_PERMISSION),
    40002: (InvalidRequest, "TikTok refused a parameter"),
    40100: (TransientError, "TikTok rate limit reached"),
    40102: (TokenExpired, "The TikTok access token expired"),
    40103: (GrantRevoked, CONNECTION_EXPIRED),
    40104: (InvalidRequest, "The TikTok access token is missing"),
    40105: (TokenExpired, "TikTok no longer accepts the access token"),
    40107: (GrantRevoked, REFRESH_REFUSED),
    40110: (InvalidRequest, "The TikTok sign-in code expired or was already used; start again"),
    50000: (TransientError, "TikTok system error"),
}


def from_business(code: int, message: str) -> TikTokError | None:
    if code == 0:
        return None
    cls, text = _BUSINESS.get(
        code, (TransientError if code >= 50000 else InvalidRequest, "TikTok refused the request")
    )
    full = f"{text} (code {code}: {message})" if message else f"{text} (code {code})"
    if cls is GrantRevoked:
        return GrantRevoked(text, code=code)
    return cls(full, code=code)


def from_http_status(status: int, headers: Mapping[str, str]) -> TikTokError | None:
    """Before reading any body: 429 and 5xx are transient whatever the payload says."""
    if status == 429:
        return TransientError(
            "TikTok rate limit reached", code=429, retry_after=_retry_after(headers)
        )
    if status >= 500:
        return TransientError(f"TikTok server error (HTTP {status})", code=status)
    return None
