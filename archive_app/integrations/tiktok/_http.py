"""One HTTP helper for both TikTok platforms: timeouts, bounded retries, transport errors.

The sleep is injected so tests exercise the real retry loop without waiting. Retries are
bounded (``tiktok_max_retries``): a source stays usable, and after the last attempt the caller
gets ``TransientError``, which never disconnects anything by itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from archive_app.integrations.tiktok.errors import (
    InvalidRequest,
    OAuthStep,
    TransientError,
    from_business,
    from_http_status,
    from_login_kit,
)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
# Never wait longer than this between attempts, whatever Retry-After says: a person is waiting.
MAX_DELAY_SECONDS = 30.0


class TikTokHttp:
    def __init__(
        self,
        *,
        timeout_seconds: float,
        max_retries: int,
        backoff_seconds: float,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout_seconds),
            headers={"User-Agent": "Archive (self-hosted)"},
        )
        self._max_retries = max(0, max_retries)
        self._backoff = backoff_seconds
        self._sleep = sleep

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One attempt; network failures become ``TransientError``."""
        try:
            return await self.client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise TransientError("TikTok did not answer in time", code="timeout") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"Could not reach TikTok: {exc}", code="network") from exc

    async def with_retries(
        self, attempt: Callable[[], Awaitable[T]], *, retry_timeouts: bool = True
    ) -> T:
        """Run ``attempt`` until it succeeds or the retries are spent.

        ``retry_timeouts=False`` is for calls that must not happen twice (a DM): after a
        timeout TikTok may have acted, so we stop and let the caller decide.
        """
        for n in range(self._max_retries + 1):
            try:
                return await attempt()
            except TransientError as exc:
                last = n == self._max_retries
                if last or (exc.code == "timeout" and not retry_timeouts):
                    raise
                delay = exc.retry_after if exc.retry_after is not None else self._backoff * 2**n
                await self._sleep(min(max(delay, 0.0), MAX_DELAY_SECONDS))
        raise AssertionError("unreachable")  # pragma: no cover

    async def aclose(self) -> None:
        await self.client.aclose()


def json_body(response: httpx.Response) -> Any:
    """TikTok's error pages are not always JSON; an empty dict keeps the mapping simple."""
    try:
        return response.json()
    except ValueError:
        return {}


def login_kit_json(response: httpx.Response, *, step: OAuthStep = "other") -> dict[str, Any]:
    """A Login Kit success body, or the classified error (HTTP status + ``error`` shapes)."""
    body = json_body(response)
    error = from_login_kit(response.status_code, body, response.headers, step=step)
    if error is not None:
        raise error
    if not isinstance(body, dict):
        raise InvalidRequest("TikTok answered something that is not a JSON object")
    return body


def business_data(response: httpx.Response) -> dict[str, Any]:
    """The ``data`` of a Business envelope (HTTP 200, ``code != 0`` is failure)."""
    transient = from_http_status(response.status_code, response.headers)
    if transient is not None:
        raise transient
    body = json_body(response)
    if not isinstance(body, dict) or "code" not in body:
        raise InvalidRequest(f"TikTok answered HTTP {response.status_code} without an envelope")
    error = from_business(int(body["code"]), str(body.get("message", "")))
    if error is not None:
        raise error
    data = body.get("data") or {}
    return data if isinstance(data, dict) else {}


def scopes_of(value: Any) -> tuple[str, ...]:
    """Login Kit sends ``"a,b"``, Business sometimes a list."""
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return tuple(s for s in str(value or "").replace(" ", ",").split(",") if s)
