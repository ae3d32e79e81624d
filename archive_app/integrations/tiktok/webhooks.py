"""TikTok webhooks: check the signature, then turn the body into one of our event types.

TikTok signs ``"<t>.<raw body>"`` with the app's client secret (HMAC-SHA256) and may deliver an
event more than once; it sends no event id, so we derive one from the fields that identify the
event, which stay the same across redeliveries even if the JSON is re-serialised.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from archive_app.integrations.tiktok.errors import InvalidSignature, removal_reason
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.settings import Settings

SIGNATURE_HEADER = "Tiktok-Signature"
TOLERANCE_SECONDS = 300


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
    try:
        timestamp = int(parts["t"])
        given = parts["s"]
    except (KeyError, ValueError) as exc:
        raise InvalidSignature("malformed Tiktok-Signature header") from exc
    if abs(now.timestamp() - timestamp) > TOLERANCE_SECONDS:
        raise InvalidSignature("webhook timestamp is outside the 5-minute window")
    for secret in secrets:
        expected = signature(secret, body, timestamp).split(",s=", 1)[1]
        if secret and hmac.compare_digest(expected, given):
            return
    raise InvalidSignature("webhook signature does not match")


@dataclass(frozen=True)
class AuthorizationRemoved:
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


TikTokEvent = AuthorizationRemoved | BrandMention | OtherEvent


def event_id(payload: Mapping[str, Any]) -> str:
    parts = [str(payload.get(k, "")) for k in ("client_key", "event", "user_openid", "create_time")]
    parts.append(str(payload.get("content", "")))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def parse_event(body: bytes, *, kinds: Mapping[str, Kind]) -> TikTokEvent:
    """``kinds`` maps our client keys to kinds, so handlers know which kind of source it is."""
    try:
        payload = json.loads(body)
        raw_content = payload.get("content") or "{}"
        content = json.loads(raw_content) if isinstance(raw_content, str) else raw_content
        created_at = datetime.fromtimestamp(int(payload.get("create_time", 0)), UTC)
    except (ValueError, TypeError, AttributeError) as exc:
        raise InvalidSignature(f"webhook body is not TikTok's event shape: {exc}") from exc
    if not isinstance(content, dict):
        content = {"value": content}
    client_key = str(payload.get("client_key", ""))
    common: dict[str, Any] = {
        "event_id": event_id(payload),
        "kind": kinds.get(client_key),
        "client_key": client_key,
        "user_openid": str(payload.get("user_openid", "")),
        "created_at": created_at,
    }
    name = str(payload.get("event", ""))
    if name == "authorization.removed":
        code = int(content.get("reason", 0) or 0)
        return AuthorizationRemoved(**common, reason_code=code, reason=removal_reason(code))
    if name == "brand.mention.event":
        return BrandMention(**common, content=content)
    return OtherEvent(**common, event=name, content=content)


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
        verify_signature(header, body, secrets=self._secrets, now=now)
        return parse_event(body, kinds=self._kinds)
