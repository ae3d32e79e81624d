"""What services raise. Every message is written for the person who will read it.

ServiceError            a request we refuse; ``str(e)`` is safe to show
├── InvalidInput        bad input: nothing was changed
├── NotAllowed          signed out, not a member, or not an owner
├── NotFound            not in this workspace (never says if it exists elsewhere)
└── RateLimited         too many attempts; ``retry_after_minutes`` says when to try again
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


class NotAllowed(ServiceError):
    pass


class NotFound(ServiceError):
    pass


class RateLimited(ServiceError):
    def __init__(self, message: str, *, retry_after_minutes: int) -> None:
        super().__init__(message)
        self.retry_after_minutes = retry_after_minutes
