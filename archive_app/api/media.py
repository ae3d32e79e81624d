"""``GET /media/covers/<name>``: a cover Archive keeps, to the members of its workspace only;
``GET /media/originals/<name>``: a creator's original video (``Download original``), likewise,
streamed from the store in chunks as an attachment.

The session cookie is checked through ``services/media/access.py`` (no SQL here). The name
holds the file's digest, so the answer never changes: ``Cache-Control: private, immutable``
for a year (a shared cache never keeps it), an ``ETag`` of its SHA-256 and ``304`` for a
browser that has it. The bytes come from the media store off the event loop.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from archive_app.deps import Deps
from archive_app.services.media.access import SignedOut, cover_for_viewer, original_for_viewer
from archive_app.services.media.store import MissingMedia
from archive_app.web.cookies import read_session_cookie

log = logging.getLogger(__name__)
CACHE = "private, max-age=31536000, immutable"
NOT_FOUND = "No such cover in this workspace."
NO_ORIGINAL = "No such original video in this workspace."


def media_routes(deps: Deps) -> list[Route]:
    async def cover(request: Request) -> Response:
        token = read_session_cookie(request.headers.get("cookie"))
        name = request.path_params["name"]
        now = deps.clock.now()
        try:
            found = await deps.db(lambda s: cover_for_viewer(s, token=token, name=name, now=now))
        except SignedOut:
            return Response("Log in to see this cover.", status_code=401, media_type="text/plain")
        if found is None:
            return Response(NOT_FOUND, status_code=404, media_type="text/plain")
        etag = f'"{found.sha256}"'
        headers = {"cache-control": CACHE, "etag": etag}
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        try:
            body = await asyncio.to_thread(deps.media.read, found.key)
        except MissingMedia:
            log.warning("cover %s is recorded but missing from the media store", found.key)
            return Response(NOT_FOUND, status_code=404, media_type="text/plain")
        return Response(body, media_type=found.content_type, headers=headers)

    async def original(request: Request) -> Response:
        token = read_session_cookie(request.headers.get("cookie"))
        name = request.path_params["name"]
        now = deps.clock.now()
        try:
            found = await deps.db(lambda s: original_for_viewer(s, token=token, name=name, now=now))
        except SignedOut:
            return Response(
                "Log in to download this video.", status_code=401, media_type="text/plain"
            )
        if found is None or not await asyncio.to_thread(deps.media.exists, found.key):
            return Response(NO_ORIGINAL, status_code=404, media_type="text/plain")
        headers = {
            "content-disposition": f'attachment; filename="original-{name}"',
            "content-length": str(found.size_bytes),
            "cache-control": "private, no-store",
            "x-content-type-options": "nosniff",
        }
        # A blocking iterator: Starlette reads it on a worker thread, one chunk at a time.
        chunks = deps.media.chunks(found.key)
        return StreamingResponse(chunks, media_type=found.content_type, headers=headers)

    return [
        Route("/media/covers/{name}", cover, methods=["GET"]),
        Route("/media/originals/{name}", original, methods=["GET"]),
    ]
