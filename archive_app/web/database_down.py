"""A clear 503 page, not a traceback, while the database cannot be reached.

During a PostgreSQL outage (or a SQLite file gone) every route that touches the database raises
SQLAlchemy's ``OperationalError``; unhandled, a login answered a bare ``500 Internal Server
Error``. ``archive_app.py`` wraps every HTTP route with this middleware: such a request answers
``503 Service Unavailable`` with ``Retry-After`` and one sentence a person can act on, and the
log gets one line naming the route, not a traceback. ``/_health`` says 503 on its own (Caddy
and Docker read it). Websocket events have their own handler (``states/args.py``).

A response already under way cannot be replaced; that error goes on as it was.
"""

from __future__ import annotations

import json
import logging
from html import escape

from sqlalchemy.exc import OperationalError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

MESSAGE = "Archive cannot reach its database; try again in a minute."
RETRY_AFTER_SECONDS = 60

_PAGE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Archive is unavailable</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;
color:#1f2937;line-height:1.5}}h1{{font-size:1.4rem}}</style></head>
<body><main><h1>Archive is unavailable</h1><p>{escape(MESSAGE)}</p>
<p>Nothing you entered was saved. This page can be reloaded once the database is back.</p>
</main></body></html>
"""


def _wants_html(scope: Scope) -> bool:
    accept = dict(scope.get("headers", [])).get(b"accept", b"").decode("latin-1")
    return "text/html" in accept or not accept


class DatabaseDown:
    """ASGI middleware: an ``OperationalError`` before the response started becomes a 503."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except OperationalError as exc:
            if started:
                raise
            log.warning(
                "database unreachable: %s %s answered 503 (%s)",
                scope.get("method", ""),
                scope.get("path", ""),
                type(exc.orig).__name__ if exc.orig is not None else "OperationalError",
            )
            await _answer_503(scope, send)


async def _answer_503(scope: Scope, send: Send) -> None:
    if _wants_html(scope):
        body, kind = _PAGE.encode(), b"text/html; charset=utf-8"
    else:
        body = json.dumps({"error": "database_unreachable", "message": MESSAGE}).encode()
        kind = b"application/json"
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", kind),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
