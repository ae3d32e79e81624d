"""TikTok webhooks: check the signature, then turn the body into one of our event types.

TikTok signs ``"<t>.<raw body>"`` with the app's client secret (HMAC-SHA256) and may deliver an
event more than once; it sends no event id, so we derive one from the fields that identify the
event, which stay the same across redeliveries even if the JSON is re-serialised.

Anyone can POST to the webhook URL, so nothing here trusts the header or the body: the header
must have the exact shape TikTok sends before any arithmetic is done with it, and a body is
parsed only after its signature matched, and then only into bounded values (a timestamp a
datetime can hold, strings of a sane length, a few levels of nesting). Whatever does not fit is
refused with a fixed sentence; the parser's own message never reaches the sender.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from archive_app.integrations.tiktok.errors import (
    InvalidRequest,
    InvalidSignature,
    removal_reason,
)
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.settings import Settings

SIGNATURE_HEADER = "Tiktok-Signature"
TOLERANCE_SECONDS = 300
# TikTok's events are a few hundred bytes; anything near this is not TikTok.
MAX_BODY_BYTES = 1024 * 1024
MAX_NESTING = 32
MAX_TEXT_LENGTH = 256
# The last second a datetime can hold (9999-12-31T23:59:59Z).
MAX_CREATE_TIME = 253_402_300_799

# ``t`` is a unix time in seconds (10 digits until the year 2286), ``s`` a SHA-256 hex digest
# as ``hexdigest()`` writes it (lowercase).
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")

NOT_AN_EVENT = "webhook body is not a TikTok event"


class MalformedEvent(InvalidRequest):
    """A correctly signed body that is not TikTok's event shape (answered with 400, not 401)."""

    def __init__(self) -> None:
        super().__init__(NOT_AN_EVENT)


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """The header value TikTok sends: ``t=<unix>,s=<hex>``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},s={mac.hexdigest()}"


def verify_signature(
    header: str | None, body: bytes, *, secrets: Iterable[str], now: datetime
) -> None:
    """Raise ``InvalidSignature`` unless one of our secrets signed this body recently."""
    if not header:
        raise InvalidSignature("missing Tiktok-Signature header")
    parts = dict(p.strip().split("=", 1) for p in header.split(",") if "=" in p)
    raw_t, given = parts.get("t", ""), parts.get("s", "")
    # Shape first: a 400-digit ``t`` overflows a float, a non-ASCII ``s`` breaks compare_digest.
    if not _TIMESTAMP.fullmatch(raw_t) or not _HEX_DIGEST.fullmatch(given):
        raise InvalidSignature("malformed Tiktok-Signature header")
    timestamp = int(raw_t)
    if abs(now.timestamp() - timestamp) > TOLERANCE_SECONDS:
        raise InvalidSignature("webhook timestamp is outside the 5-minute window")
    for secret in secrets:
        expected = signature(secret, body, timestamp).split(",s=", 1)[1]
        if secret and hmac.compare_digest(expected, given):
            return
    raise InvalidSignature("webhook signature does not match")


@dataclass(frozen=True)
class AuthorizationRemoved:
    name: ClassVar[str] = "authorization.removed"
    event_id: str
    kind: Kind | None
    client_key: str
    user_openid: str
    created_at: datetime
    reason_code: int
    # What people read ("Access was revoked in the TikTok app").
    reason: str


@dataclass(frozen=True)
class BrandMention:
    name: ClassVar[str] = "brand.mention.event"
    event_id: str
    kind: Kind | None
    client_key: str
    user_openid: str
    created_at: datetime
    content: dict[str, Any]


@dataclass(frozen=True)
class OtherEvent:
    event_id: str
    kind: Kind | None
    client_key: str
    user_openid: str
    created_at: datetime
    event: str
    content: dict[str, Any]

    @property
    def name(self) -> str:
        return self.event[:64]


TikTokEvent = AuthorizationRemoved | BrandMention | OtherEvent


def event_id(payload: Mapping[str, Any]) -> str:
    parts = [str(payload.get(k, "")) for k in ("client_key", "event", "user_openid", "create_time")]
    parts.append(str(payload.get("content", "")))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def parse_event(body: bytes, *, kinds: Mapping[str, Kind]) -> TikTokEvent:
    """``kinds`` maps our client keys to kinds, so handlers know which kind of source it is.

    Raises ``MalformedEvent`` for anything that is not TikTok's event shape."""
    payload = _load_json(body)
    if not isinstance(payload, dict):
        raise MalformedEvent()
    raw_content = payload.get("content") or "{}"
    content = _load_json(raw_content) if isinstance(raw_content, str) else raw_content
    if not isinstance(content, dict):
        content = {"value": content}
    client_key = _text(payload, "client_key")
    common: dict[str, Any] = {
        "event_id": event_id(payload),
        "kind": kinds.get(client_key),
        "client_key": client_key,
        "user_openid": _text(payload, "user_openid"),
        "created_at": _created_at(payload.get("create_time", 0)),
    }
    name = _text(payload, "event")
    if name == "authorization.removed":
        code = _reason_code(content.get("reason"))
        return AuthorizationRemoved(**common, reason_code=code, reason=removal_reason(code))
    if name == "brand.mention.event":
        return BrandMention(**common, content=content)
    return OtherEvent(**common, event=name, content=content)


def _reject_constant(_: str) -> Any:
    raise ValueError("NaN and Infinity are not JSON")


def _load_json(raw: str | bytes) -> Any:
    try:
        value = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:  # ValueError covers bad UTF-8 and JSON
        raise MalformedEvent() from exc
    if _too_deep(value):
        raise MalformedEvent()
    return value


def _too_deep(value: Any) -> bool:
    """Nesting beyond ``MAX_NESTING``, checked without recursion (``str()`` of it would)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            if depth > MAX_NESTING:
                return True
            stack.extend((child, depth + 1) for child in item)
    return False


def _text(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key)
    if value is None:
        return ""
    # A database cannot store NUL (PostgreSQL refuses it); TikTok's ids are short and plain.
    if not isinstance(value, str) or len(value) > MAX_TEXT_LENGTH or "\x00" in value:
        raise MalformedEvent()
    return value


def _created_at(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedEvent()
    # 1e400 parses as infinity, which fails this test like any other out-of-range number.
    if not 0 <= value <= MAX_CREATE_TIME:
        raise MalformedEvent()
    return datetime.fromtimestamp(int(value), UTC)


def _reason_code(value: Any) -> int:
    """TikTok's reasons are 1-5. Anything else still ends the grant, as "reason 0" (unknown):
    the event is authentic, so losing the disconnection would be worse than a vague reason."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 6:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 999_999:
        return value
    return 0


class WebhookVerifier:
    """The app's side: which secrets may sign, and which client key is which kind."""

    def __init__(
        self,
        *,
        secrets: Iterable[str],
        kinds: Mapping[str, Kind] | None = None,
    ) -> None:
        self._secrets = [s for s in secrets if s]
        self._kinds = dict(kinds or {})

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookVerifier:
        return cls(
            secrets=[
                settings.tiktok_v1_client_secret.get_secret_value(),
                settings.tiktok_v2_client_secret.get_secret_value(),
                settings.tiktok_webhook_secret.get_secret_value(),
            ],
            kinds={
                settings.tiktok_v1_client_key: Kind.tiktok_v1,
                settings.tiktok_v2_client_key: Kind.tiktok_v2,
            },
        )

    def verify(self, header: str | None, body: bytes, *, now: datetime) -> TikTokEvent:
        """Raises ``InvalidSignature`` (answer 401) or ``MalformedEvent`` (answer 400)."""
        verify_signature(header, body, secrets=self._secrets, now=now)
        return parse_event(body, kinds=self._kinds)
