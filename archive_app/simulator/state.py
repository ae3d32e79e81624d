"""The simulated TikTok's memory: apps, accounts, grants, QR logins, creators, videos, DMs.

Plain dataclasses, guarded by one lock (HTTP handlers and the control API touch them from the
event loop and from tests' threads). The simulator the app mounts keeps them in the data
directory (``store.py``): there ``state.lock`` is a short SQLite transaction, so a restart and a
second worker see the same TikTok. Every instant comes from the shared clock, so
``POST /control/clock`` expires tokens and QR codes exactly as time passing would.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal, Protocol

DM_SETTINGS = ("everyone", "friends", "suggested_friends", "no_one")
FailureMode = Literal["rate_limit", "server_error", "timeout"]
# (access, refresh) lifetimes, TIKTOK.md: older docs say 24 h / 365 d, newer 2 h / 180 d.
LIFETIMES: dict[str, tuple[timedelta, timedelta]] = {
    "current": (timedelta(hours=2), timedelta(days=180)),
    "legacy": (timedelta(hours=24), timedelta(days=365)),
}
# API for Business documents fixed lifetimes (TIKTOK.md): expires_in 86400, refresh 31536000.
BUSINESS_LIFETIMES = (timedelta(seconds=86_400), timedelta(seconds=31_536_000))
AUTH_CODE_LIFETIME = timedelta(minutes=10)


class SimClock(Protocol):
    def now(self) -> datetime: ...

    def advance(self, delta: timedelta) -> datetime: ...


class SimError(Exception):
    """A control-API or page request that cannot be honoured (answered as 4xx)."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class TokenProblem(StrEnum):
    invalid = "invalid"
    expired = "expired"


@dataclass
class App:
    kind: str
    client_key: str
    client_secret: str
    redirect_uri: str


@dataclass
class Account:
    username: str
    display_name: str
    # TikTok gives each app its own open_id for the same person.
    open_ids: dict[str, str] = field(default_factory=dict)


@dataclass
class Grant:
    client_key: str
    username: str
    open_id: str
    scope: str
    access_token: str
    refresh_token: str
    access_expires_at: datetime
    refresh_expires_at: datetime
    created_at: datetime
    revoked_at: datetime | None = None
    rotations: int = 0


@dataclass
class AuthCode:
    code: str
    client_key: str
    username: str
    redirect_uri: str
    scope: str
    expires_at: datetime
    used: bool = False


@dataclass
class QrLogin:
    token: str
    client_key: str
    scope: str
    state: str
    created_at: datetime
    expires_at: datetime
    status: str = "new"
    username: str | None = None
    client_ticket: str | None = None
    code: str | None = None
    denied: bool = False


@dataclass
class Creator:
    handle: str
    dm_setting: str
    friends: set[str] = field(default_factory=set)


@dataclass
class VideoRec:
    item_id: str
    brand_username: str
    creator_handle: str
    caption: str
    created_at: datetime
    views: int = 0
    likes: int = 0
    comments: int = 0
    shares: int = 0
    # Only tagged, not written in the caption: found by v.2 (better coverage) only.
    tag_only: bool = False
    # Cover URLs handed out before this stop working (``POST /control/media/expire``).
    covers_expired_at: datetime | None = None


@dataclass
class Message:
    message_id: str
    sender_username: str
    creator_handle: str
    text: str
    sent_at: datetime
    # The sender's idempotency key (optional): a repeated key is answered, never re-sent.
    idempotency_key: str = ""


@dataclass
class Failure:
    endpoint: str
    mode: str
    remaining: int


@dataclass
class Delivery:
    event: str
    url: str
    client_key: str
    user_openid: str
    body: str
    signature: str
    delivered_at: datetime
    status_code: int | None = None
    error: str | None = None


def to_json(value: Any) -> Any:
    """Dataclasses, sets and instants as JSON for the control API."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set):
        return sorted(value)
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def new_id(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(18)


@dataclass
class SimState:
    clock: SimClock
    lifetimes: str = "current"
    qr_lifetime: timedelta = timedelta(seconds=120)
    lock: AbstractContextManager[Any] = field(default_factory=threading.RLock)
    # The total ``POST /control/clock`` moved; the store re-applies it to a fresh process.
    clock_advanced: timedelta = timedelta(0)
    apps: dict[str, App] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    grants: list[Grant] = field(default_factory=list)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    qr_logins: dict[str, QrLogin] = field(default_factory=dict)
    creators: dict[str, Creator] = field(default_factory=dict)
    videos: list[VideoRec] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)

    def now(self) -> datetime:
        return self.clock.now()

    def advance_clock(self, delta: timedelta) -> datetime:
        with self.lock:
            now = self.clock.advance(delta)
            self.clock_advanced += delta
            return now

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            for qr in self.qr_logins.values():
                self.refresh_qr_status(qr)
            return to_json(
                {
                    "now": self.now(),
                    "apps": list(self.apps.values()),
                    "accounts": list(self.accounts.values()),
                    "grants": self.grants,
                    "qr_codes": list(self.qr_logins.values()),
                    "creators": list(self.creators.values()),
                    "videos": self.videos,
                    "messages": self.messages,
                    "failures": self.failures,
                    "webhooks": self.deliveries,
                }
            )

    # -- apps and accounts ------------------------------------------------------------------
    def app(self, client_key: str, client_secret: str | None = None) -> App | None:
        """The registered app, if the key (and the secret, when given) match."""
        app = self.apps.get(client_key)
        if app is None or client_secret is None:
            return app
        return app if secrets.compare_digest(app.client_secret, client_secret) else None

    def account(self, username: str) -> Account:
        account = self.accounts.get(username.lstrip("@"))
        if account is None:
            known = ", ".join(sorted(self.accounts)) or "none yet"
            raise SimError(f"No TikTok account @{username} (known: {known})", status=404)
        return account

    def upsert_account(self, username: str, display_name: str) -> Account:
        name = username.strip().lstrip("@")
        if not name:
            raise SimError("username is required")
        with self.lock:
            account = self.accounts.setdefault(name, Account(name, display_name or name))
            account.display_name = display_name or account.display_name
            for key in self.apps:
                digest = hashlib.sha256(f"{key}:{name}".encode()).hexdigest()[:24]
                account.open_ids.setdefault(key, f"oid-{digest}")
            return account

    def creator(self, handle: str) -> Creator:
        creator = self.creators.get(handle.lstrip("@"))
        if creator is None:
            raise SimError(f"No creator @{handle}", status=404)
        return creator

    # -- failures injected by tests ---------------------------------------------------------
    def take_failure(self, path: str) -> str | None:
        with self.lock:
            for failure in self.failures:
                wanted = failure.endpoint.strip("/")
                if failure.remaining > 0 and path.strip("/").endswith(wanted):
                    failure.remaining -= 1
                    return failure.mode
        return None

    def refresh_qr_status(self, qr: QrLogin) -> str:
        """A QR code not confirmed within its lifetime (on the shared clock) is expired."""
        if qr.status in {"new", "scanned"} and self.now() >= qr.expires_at:
            qr.status = "expired"
        return qr.status
