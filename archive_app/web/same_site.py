"""Dev-only surfaces (``/dev/*``, ``/_sim/control/*``) answer our own pages and scripts only.

A page on another site can make a browser send a "simple" request (a form post, a
``text/plain`` fetch) to Archive: before this, one ran ``POST /dev/jobs/poll_mentions``. A
browser names where a request comes from (``Sec-Fetch-Site``, ``Origin``), so a request from
another site, or another site of the same registrable domain, is refused with 403. A request
that carries neither header (tests, the benchmarks, ``curl``) is not a browser's cross-site
request and passes; so does a page of Archive's own origin.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

Endpoint = Callable[[Request], Awaitable[Response]]
REFUSED = (
    "Refused: this development address answers Archive's own pages only, "
    "not requests from another site."
)


def cross_site(headers: Mapping[str, str]) -> bool:
    """Whether a browser says this request comes from another origin than the one it is sent to."""
    if headers.get("sec-fetch-site", "").lower() in {"cross-site", "same-site"}:
        return True
    origin = headers.get("origin")
    if origin is None:
        return False
    try:
        netloc = urlsplit(origin.strip()).netloc.lower()
    except ValueError:
        return True
    host = headers.get("x-forwarded-host", "").split(",")[0].strip() or headers.get("host", "")
    return not netloc or netloc != host.strip().lower()  # "null" has no netloc either


def same_origin_only(endpoint: Endpoint) -> Endpoint:
    """``endpoint``, refusing cross-site requests with 403 before it runs."""

    async def guarded(request: Request) -> Response:
        if cross_site(request.headers):
            return JSONResponse({"error": REFUSED}, status_code=403)
        return await endpoint(request)

    return guarded
