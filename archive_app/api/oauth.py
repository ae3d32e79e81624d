"""The TikTok consent flow (v.2) as full page loads: start → TikTok's page → callback.

The callback only acts for the browser session that started the flow (the ``state`` row is bound
to that user and workspace, single-use, 10 minutes). Anything else gets a page that says what
happened and changes nothing.
"""

from __future__ import annotations

import logging
from html import escape
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from archive_app import paths
from archive_app.deps import Deps
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.models.base import parse_id
from archive_app.services import auth as auth_service
from archive_app.services.errors import ConnectionCancelled, ServiceError, WrongAccount
from archive_app.services.sources import connect
from archive_app.web.cookies import read_session_cookie
from archive_app.web.flash import clear_flash, redirect_with_flash

SOURCES = paths.SOURCES
log = logging.getLogger(__name__)


# Id columns are INTEGER: 32 bits on PostgreSQL, 64 on SQLite. A bigger number in a query is
# an error there (PostgreSQL: integer out of range; SQLite: OverflowError beyond 64 bits), so it
# is refused here, at the edge, like any non-number. No row has a bigger id.
def _refusal(message: str, status: int = 400) -> Response:
    body = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Connection not completed · Archive</title>
<style>body{{font-family:system-ui,sans-serif;max-width:520px;margin:80px auto;padding:0 20px;
color:#1c2024}}a{{color:#3e63dd}}</style></head><body>
<h1>Connection not completed</h1><p role="alert">{escape(message)}</p>
<p>Nothing was saved. <a href="{SOURCES}">Back to Settings → Sources</a></p></body></html>"""
    return HTMLResponse(body, status_code=status)


def oauth_routes(deps: Deps) -> list[Route]:
    """A completed consent records SourceConnected: the dispatcher asks for a poll of that one
    source (never on a page load) and tells the open tabs."""
    clock, secure = deps.clock, deps.settings.secure_cookies
    key = deps.cipher.signing_key

    async def viewer_of(request: Request) -> auth_service.Viewer | None:
        token = read_session_cookie(request.headers.get("cookie"))
        now = clock.now()
        return await deps.db(lambda s: auth_service.current_viewer(s, token=token, now=now))

    async def start_v2(request: Request) -> Response:
        raw_source = request.query_params.get("source")
        source_id = parse_id(raw_source) if raw_source else None
        if raw_source and source_id is None:
            return _refusal("That source id is not valid.")
        viewer = await viewer_of(request)
        if viewer is None:
            # Log in first, then come straight back here (the reconnect of that source).
            back = f"{request.url.path}?source={source_id}" if source_id else request.url.path
            return RedirectResponse(f"{paths.LOGIN}?{urlencode({'next': back})}", status_code=303)
        try:
            url = await connect.start_consent(
                deps.db,
                deps.gateway(Kind.tiktok_v2),
                workspace_id=viewer.workspace_id,
                user_id=viewer.user_id,
                now=clock.now(),
                source_id=source_id,
            )
        except ServiceError as exc:
            return redirect_with_flash(SOURCES, exc.message, secure=secure, key=key)
        return RedirectResponse(url, status_code=303)

    async def callback(request: Request) -> Response:
        viewer = await viewer_of(request)
        if viewer is None:
            return _refusal("You are not logged in to Archive in this browser.", status=403)
        query = request.query_params
        state = query.get("state", "")
        if not state:
            return _refusal(
                "TikTok's answer has no state: it did not come from a connection started here."
            )
        try:
            source_id = await connect.finish_consent(
                deps.db,
                deps.gateway(Kind.tiktok_v2),
                state=state,
                code=query.get("code"),
                error=query.get("error"),
                workspace_id=viewer.workspace_id,
                user_id=viewer.user_id,
                cipher=deps.cipher,
                now=clock.now(),
                links=deps.links,
            )
        except (ConnectionCancelled, WrongAccount) as exc:
            return redirect_with_flash(SOURCES, exc.message, secure=secure, key=key)
        except ServiceError as exc:
            return _refusal(exc.message)
        # Open tabs show it and its mentions are read now: the SourceConnected event does both.
        log.info("connected source %s in workspace %s", source_id, viewer.workspace_id)
        # A "Connection cancelled" from a try a minute ago is over: this outcome replaces it.
        return clear_flash(RedirectResponse(f"{SOURCES}?connected={source_id}", status_code=303))

    return [
        Route("/oauth/tiktok/v2/start", start_v2, methods=["GET"]),
        Route("/oauth/tiktok/callback", callback, methods=["GET"]),
    ]
