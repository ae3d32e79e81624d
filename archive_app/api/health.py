"""``GET /_health``: 200 when this process can read its database, 503 when it cannot.

The container's ``HEALTHCHECK`` and the compose file's proxy use it. It answers for this
process only (a replica whose database connection broke is taken out of rotation). It replaces
Reflex's own ``/_health`` (our routes are matched first) with one that reads a table, so an
empty or wrong database is not "healthy". Nothing in the answer is secret.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from archive_app.db import ping
from archive_app.deps import Deps

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 5.0


def health_routes(deps: Deps, *, timeout: float = TIMEOUT_SECONDS) -> list[Route]:
    async def health(_request: Request) -> JSONResponse:
        try:
            revision = await asyncio.wait_for(deps.db(ping), timeout=timeout)
        except Exception as exc:  # any failure means "not healthy"; say which kind
            log.warning("health: database check failed (%s)", type(exc).__name__)
            return JSONResponse(
                {"status": "unavailable", "database": "unreachable"},
                status_code=503,
                headers={"cache-control": "no-store"},
            )
        return JSONResponse(
            {"status": "ok", "database": "ok", "schema": revision},
            headers={"cache-control": "no-store"},
        )

    return [Route("/_health", health, methods=["GET", "HEAD"])]
