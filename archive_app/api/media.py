"""``GET /media/covers/<name>``: a cover Archive keeps, to the members of its workspace only;
``GET /media/avatars/<name>``: a source's or creator's avatar Archive keeps, likewise;
``GET /media/originals/<name>``: a creator's original video (``Download original``), likewise,
streamed from the store in chunks as an attachment.

The session cookie is checked through ``services/media/access.py`` (no SQL here). A picture's
name holds the file's digest, so the answer never changes: ``Cache-Control: private, immutable``
for a year (a shared cache never keeps it), an ``ETag`` of its SHA-256 and ``304`` for a
browser that has it. The bytes come from the media store off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from archive_app.deps import Deps
from archive_app.services.media.access import (
    SignedOut,
    StoredFile,
    avatar_for_viewer,
    cover_for_viewer,
    original_for_viewer,
)
from archive_app.services.media.store import MissingMedia
from archive_app.web.cookies import read_session_cookie

log = logging.getLogger(__name__)
CACHE = "private, max-age=31536000, immutable"
TEXT = "text/plain"
NO_ORIGINAL = "No such original video in this workspace."


Finder = Callable[..., StoredFile | None]
# What each kind of picture is called in the answers: (its route's word, its finder).
PICTURES: dict[str, tuple[str, Finder]] = {
    "covers": ("cover", cover_for_viewer),
    "avatars": ("avatar", avatar_for_viewer),
}


def media_routes(deps: Deps) -> list[Route]:
    def picture(word: str, find: Finder) -> Callable[[Request], Awaitable[Response]]:
        async def serve(request: Request) -> Response:
            token = read_session_cookie(request.headers.get("cookie"))
            name = request.path_params["name"]
            now = deps.clock.now()
            try:
                found = await deps.db(lambda s: find(s, token=token, name=name, now=now))
            except SignedOut:
                return Response(f"Log in to see this {word}.", status_code=401, media_type=TEXT)
            missing = Response(
                f"No such {word} in this workspace.", status_code=404, media_type=TEXT
            )
            if found is None:
                return missing
            etag = f'"{found.sha256}"'
            headers = {"cache-control": CACHE, "etag": etag}
            if etag in request.headers.get("if-none-match", ""):
                return Response(status_code=304, headers=headers)
            try:
                body = await asyncio.to_thread(deps.media.read, found.key)
            except MissingMedia:
                log.warning("%s %s is recorded but missing from the media store", word, found.key)
                return missing
            return Response(body, media_type=found.content_type, headers=headers)

        return serve

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
        *(
            Route(f"/media/{path}/{{name}}", picture(word, find), methods=["GET"])
            for path, (word, find) in PICTURES.items()
        ),
        Route("/media/originals/{name}", original, methods=["GET"]),
    ]
