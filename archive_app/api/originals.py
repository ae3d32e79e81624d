"""``POST /r/<token>/original``: the creator adds the original video after approving (issue 22).

Checked like the answer (``api/portal.py``): our own origin, the per-address and per-link rate
limits, the request approved on this link by the request's creator, no original yet; all of
that before a byte of the body is read. Then the body is streamed: counted as it arrives (over
the limit: 413 at once, nothing kept), parsed by Starlette's multipart parser into a temporary
file (1 MB in memory at most, the rest in ``<data dir>/uploads``), its CSRF field checked, its
type judged on the bytes and it is streamed to the media store
(``services/media/originals.py``). An upload cut short, of the wrong type or too big leaves
nothing behind and gets a page that says why.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from pathlib import Path
from tempfile import SpooledTemporaryFile
from typing import Any

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from archive_app.deps import Deps
from archive_app.services.errors import NotFound, ServiceError
from archive_app.services.media import originals as files
from archive_app.services.rights import originals
from archive_app.services.rights.link import token_hash
from archive_app.services.rights.portal import Identity
from archive_app.web import portal_cookies as cookies
from archive_app.web import portal_html as html
from archive_app.web.rate_limits import PORTAL_ANSWER

log = logging.getLogger(__name__)
SLACK = 64 * 1024  # the form's other field and the multipart boundaries
INTERRUPTED = (
    "The upload stopped before the whole file arrived. Check your connection and add the "
    "video again."
)


class _TooBig(Exception):
    pass


class _Parser(MultiPartParser):
    """Starlette's multipart parser, its file parts spooled to ``spool_dir`` (the data
    volume) rather than the system's temporary directory: in the container that is a tmpfs
    in memory (``--read-only --tmpfs /tmp``), and an original may weigh 500 MB."""

    def __init__(self, *args: Any, spool_dir: Path, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spool_dir = spool_dir

    def on_headers_finished(self) -> None:
        super().on_headers_finished()
        upload = self._current_part.file
        if upload is None:
            return
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        spooled: SpooledTemporaryFile[bytes] = SpooledTemporaryFile(  # noqa: SIM115 (upload() closes it)
            max_size=self.spool_max_size, mode="w+b", dir=str(self.spool_dir)
        )
        self._files_to_close_on_error.remove(upload.file)  # type: ignore[arg-type]
        upload.file.close()
        upload.file = spooled  # type: ignore[assignment]
        self._files_to_close_on_error.append(spooled)


@dataclass(frozen=True)
class Guard:
    """The creator page's checks, shared with ``api/portal.py``'s answer."""

    page: Callable[[str, int], HTMLResponse]
    redirect: Callable[[str], RedirectResponse]
    same_origin: Callable[[Request], bool]
    over_limit: Callable[[Request, str, str], Response | None]
    identity_of: Callable[[Request, str], Identity]
    login_required: bool


async def _limited(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise _TooBig
        yield chunk


def original_routes(deps: Deps, guard: Guard, *, max_bytes: int = files.MAX_BYTES) -> list[Route]:
    key = deps.cipher.signing_key
    spool_dir = deps.settings.data_dir / "uploads"

    def refused(token: str, title: str, message: str, status: int) -> Response:
        return guard.page(html.original_refused_page(title, message, token), status)

    def too_big(token: str) -> Response:
        return refused(token, "This file is too large", files.too_big_message(max_bytes), 413)

    async def upload(request: Request) -> Response:
        token = request.path_params["token"]
        if not guard.same_origin(request):
            body = "<h1>Refused</h1><p>This form was sent from another site.</p>"
            return guard.page(html.document("Refused · Archive", body), 403)
        if (over := guard.over_limit(request, PORTAL_ANSWER, token)) is not None:
            return over
        identity = guard.identity_of(request, token)
        try:
            target = await deps.db(
                lambda s: originals.target(
                    s, token=token, identity=identity, login_required=guard.login_required
                )
            )
        except NotFound:
            return guard.page(html.not_found_page(), 404)
        except originals.AlreadyReceived as exc:
            return refused(token, "Already received", exc.message, 409)
        except ServiceError as exc:
            return refused(token, "The video was not added", exc.message, 400)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes + SLACK:
            return too_big(token)
        parser = _Parser(
            request.headers,
            _limited(request, max_bytes + SLACK),
            max_files=1,
            max_fields=4,
            spool_dir=spool_dir,
        )
        try:
            form = await parser.parse()
            return await _keep(request, token, target, form.get("csrf"), form.get("original"))
        except _TooBig:
            return too_big(token)
        except (ClientDisconnect, MultiPartException, KeyError):
            return refused(token, "The upload was interrupted", INTERRUPTED, 400)
        finally:
            # Every temporary file, a part cut short too (the parser closes them only on an
            # error it sees; a body that just stops mid-file is not one).
            for spooled in parser._files_to_close_on_error:
                spooled.close()

    async def _keep(
        request: Request,
        token: str,
        target: originals.Target,
        csrf: object,
        upload: object,
    ) -> Response:
        if not cookies.csrf_ok(key, token_hash(token[:200]), str(csrf or "")):
            return guard.page(html.not_found_page(), 404)
        if not isinstance(upload, UploadFile):
            return refused(token, "The upload was interrupted", INTERRUPTED, 400)
        try:
            stored = await asyncio.to_thread(
                files.store_upload,
                deps.media,
                upload.file,
                workspace_id=target.workspace_id,
                request_id=target.request_id,
                limit=max_bytes,
            )
        except files.TooBig:
            return too_big(token)
        except files.NotAVideo as exc:
            return refused(token, "This is not a video file", exc.message, 415)
        now = deps.clock.now()
        kept = await deps.db(lambda s: originals.record(s, target=target, stored=stored, now=now))
        if kept != stored.key:
            await asyncio.to_thread(deps.media.delete, stored.key)
            return refused(token, "Already received", originals.ALREADY, 409)
        log.info(
            "original received for request %s (%s bytes)", target.request_id, stored.size_bytes
        )
        return guard.redirect(f"/r/{token}")

    return [Route("/r/{token}/original", upload, methods=["POST"])]
