"""What services raise: one tree of typed errors, as ``integrations/tiktok/errors.py`` is for
the wire. Callers decide by class, never by message text; every message is written for the
person who will read it, so ``str(e)`` is safe to show::

    ServiceError              a request we refuse; nothing was changed
     ├── InvalidInput         bad input; ``field`` names the form field when there is one
     │    └── WrongAccount    a reconnect logged in to TikTok as another account than the
     │                        source's; the message names the expected handle
     ├── NotAllowed           signed out, not a member, or not an owner
     ├── NotFound             not in this workspace (never says if it exists elsewhere)
     ├── RateLimited          too many attempts; ``retry_after_minutes`` says when to try again
     │    └── Busy            the auth pool is full (``db.BoundedPool``): try again in a minute
     └── ConnectionCancelled  the person pressed Cancel on TikTok's consent page

A TikTok error (``integrations.tiktok.errors.TikTokError``) never leaves a service as such:
the service turns it into one of these with words a person can act on.
"""

from __future__ import annotations


class ServiceError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(ServiceError):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class WrongAccount(InvalidInput):
    """Reconnecting must be the same TikTok account (DESIGN.md section 3)."""


class NotAllowed(ServiceError):
    pass


class NotFound(ServiceError):
    pass


class RateLimited(ServiceError):
    def __init__(self, message: str, *, retry_after_minutes: int) -> None:
        super().__init__(message)
        self.retry_after_minutes = retry_after_minutes


class Busy(RateLimited):
    """A bounded pool already has as much work waiting as it takes: come back later.

    A ``ServiceError``, so every route and State that already shows a refusal's message to the
    person (the flash on the form) shows this one too, with nothing changed."""

    def __init__(self) -> None:
        super().__init__("Archive is busy. Try again in a minute.", retry_after_minutes=1)


class ConnectionCancelled(ServiceError):
    """Not a failure to explain: the person chose not to connect, so they go back to Sources."""

    def __init__(self, message: str = "Connection cancelled") -> None:
        super().__init__(message)
