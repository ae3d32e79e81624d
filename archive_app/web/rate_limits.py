"""Per-address limits on the public account forms: sign-up, setup, invitation, reset, log-in.

Each of these forms costs an argon2 hash (tens of milliseconds of CPU) and some of them queue
a mail, and anyone can post them. 200 sign-ups at once once made a member's Feed take 26 s.
So each client address (``web/client_ip.py``: behind a trusted proxy, the forwarded one) may
post them ``ACCOUNT_FORMS`` times; over that, the form comes back at once with "Too many
attempts from your network. Try again in N minutes." and nothing is hashed, stored or sent.

Counts live in memory (one process), or in Redis when ``ARCHIVE_REDIS_URL`` is set, so every
worker and replica shares them (the ``limits`` package, moving windows). If Redis does not
answer, the forms stay open (logged): the argon2 pool's own bound still protects page loads.

``hit(limit_name, key)`` is the same check for callers that are not routes (a State handler's
form, e.g. the profile's email change).

Outside production, loopback clients (the person at the demo's own machine, the browser tests)
are not limited (``exempt_loopback``); in production nobody is, so a proxy on the same host
that is not in ``ARCHIVE_TRUSTED_PROXIES`` shares one budget rather than escaping it.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from archive_app import paths
from archive_app.web.client_ip import client_ip
from archive_app.web.flash import redirect_with_flash

log = logging.getLogger(__name__)

# Limit names (the first argument of ``hit``) and what each allows per client address.
ACCOUNT_FORMS = "account_forms"  # sign-up, setup, invitation, forgot, reset (one budget)
EMAIL_CHANGE = "email_change"  # the profile's email change (a State handler)
LOGIN = "login"  # log-in is throttled by failures already; this is only a generous cap
# The creator's page (/r/<token>, api/portal.py): per client address, and per link.
PORTAL_PAGE = "portal_page"  # page loads and logins, per address
PORTAL_ANSWER = "portal_answer"  # answers posted, per address
PORTAL_LINK = "portal_link"  # everything on one link (keyed by its hash), from anywhere
LIMITS: dict[str, str] = {
    ACCOUNT_FORMS: "10/minute;50/hour",
    EMAIL_CHANGE: "10/minute;50/hour",
    LOGIN: "30/minute;300/hour",
    PORTAL_PAGE: "60/minute;600/hour",
    PORTAL_ANSWER: "10/minute;60/hour",
    PORTAL_LINK: "30/minute;300/hour",
}
KEY_PREFIX = "archive-limits"


@dataclass(frozen=True)
class LimitedPath:
    pattern: re.Pattern[str]
    limit: str
    # Where the refused form goes back to (the page that shows it), from the path's match.
    back_to: Callable[[re.Match[str]], str]


_TOKEN = r"([A-Za-z0-9_\-]{1,200})"
LIMITED_POSTS: tuple[LimitedPath, ...] = (
    LimitedPath(re.compile(r"/auth/signup/?"), ACCOUNT_FORMS, lambda m: paths.SIGNUP),
    LimitedPath(re.compile(r"/auth/setup/?"), ACCOUNT_FORMS, lambda m: paths.LOGIN),
    LimitedPath(
        re.compile(rf"/auth/invite/{_TOKEN}/?"),
        ACCOUNT_FORMS,
        lambda m: f"{paths.INVITE}/{m[1]}",
    ),
    LimitedPath(re.compile(r"/auth/forgot/?"), ACCOUNT_FORMS, lambda m: paths.FORGOT),
    LimitedPath(
        re.compile(rf"/auth/reset/{_TOKEN}/?"),
        ACCOUNT_FORMS,
        lambda m: f"{paths.RESET}/{m[1]}",
    ),
    LimitedPath(re.compile(r"/auth/login/?"), LOGIN, lambda m: paths.LOGIN),
)


def too_many_message(retry_after_seconds: float) -> str:
    minutes = max(1, math.ceil(retry_after_seconds / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many attempts from your network. Try again in {minutes} {unit}."


class RateLimits:
    """The limiter and its storage: memory, or Redis (``redis://`` URL) shared by replicas."""

    def __init__(
        self, redis_url: str = "", *, key_prefix: str = KEY_PREFIX, exempt_loopback: bool = False
    ) -> None:
        self.exempt_loopback = exempt_loopback
        if redis_url:
            storage: Storage = RedisStorage(
                redis_url,
                key_prefix=key_prefix,
                wrap_exceptions=True,
                socket_timeout=1.0,
                socket_connect_timeout=1.0,
            )
        else:
            storage = MemoryStorage()
        self.storage = storage
        self.limiter = MovingWindowRateLimiter(storage)
        self.items: dict[str, list[RateLimitItem]] = {
            name: parse_many(spec) for name, spec in LIMITS.items()
        }

    def hit(self, limit_name: str, key: str) -> bool:
        """Count one try of ``limit_name`` by ``key`` (a client address); False when over."""
        return self.retry_after(limit_name, key) is None

    def retry_after(self, limit_name: str, key: str) -> float | None:
        """Count one try; None when allowed, else the seconds until the next one would be."""
        if self.exempt_loopback and _is_loopback(key):
            return None
        items = self.items[limit_name]
        try:
            # Shortest window first; each hit is atomic in the storage (a Lua script in Redis),
            # and a try refused by one window is not counted in the longer ones.
            for item in items:
                if not self.limiter.hit(item, limit_name, key):
                    reset_at = self.limiter.get_window_stats(item, limit_name, key).reset_time
                    break
            else:
                return None
        except StorageError:  # a storage outage must not close the forms
            log.warning("rate limit storage unavailable; %s not limited", limit_name)
            return None
        return max(1.0, reset_at - time.time())

    def reset(self) -> None:
        """Tests: forget every count."""
        self.storage.reset()


def _is_loopback(key: str) -> bool:
    try:
        return ipaddress.ip_address(key).is_loopback
    except ValueError:
        return False


class _Installed:
    limits: RateLimits | None = None


def install(limits: RateLimits) -> RateLimits:
    """Make ``limits`` the process's (``archive_app.py`` does this once)."""
    _Installed.limits = limits
    return limits


def installed() -> RateLimits:
    if _Installed.limits is None:
        _Installed.limits = RateLimits()
    return _Installed.limits


def hit(limit_name: str, key: str) -> bool:
    """One try of ``limit_name`` (``ACCOUNT_FORMS``, ``EMAIL_CHANGE``, ``LOGIN``) by ``key``
    (the client address, ``web.client_ip.client_ip``): False when over the limit."""
    return installed().hit(limit_name, key)


class RateLimitMiddleware:
    """ASGI middleware: a POST to a limited path over its client address's limit goes back to
    its form with the message (a signed flash, ``web/flash.py``) and never reaches the route."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: RateLimits,
        trusted_proxies: Sequence[str],
        signing_key: bytes,
        secure: bool,
    ) -> None:
        self.app = app
        self.limits = limits
        self.trusted = tuple(trusted_proxies)
        self.signing_key = signing_key
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        for limited in LIMITED_POSTS:
            match = limited.pattern.fullmatch(path)
            if match is not None:
                break
        else:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        forwarded = headers.get(b"x-forwarded-for")
        peer = scope.get("client")
        ip = client_ip(
            peer[0] if peer else None,
            forwarded.decode("latin-1") if forwarded is not None else None,
            self.trusted,
        )
        wait = self.limits.retry_after(limited.limit, ip)
        if wait is None:
            await self.app(scope, receive, send)
            return
        log.info("rate limited: %s from %s", limited.limit, ip)
        response = redirect_with_flash(
            limited.back_to(match),
            too_many_message(wait),
            secure=self.secure,
            key=self.signing_key,
        )
        response.headers["retry-after"] = str(math.ceil(wait))
        await response(scope, receive, send)


def rate_limit_middleware(
    limits: RateLimits, *, trusted_proxies: Sequence[str], signing_key: bytes, secure: bool
) -> Callable[[ASGIApp], ASGIApp]:
    """The transform ``rx.App(api_transformer=[..., rate_limit_middleware(...)])`` applies."""

    def wrap(app: ASGIApp) -> ASGIApp:
        return RateLimitMiddleware(
            app,
            limits=limits,
            trusted_proxies=trusted_proxies,
            signing_key=signing_key,
            secure=secure,
        )

    return wrap
