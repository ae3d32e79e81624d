"""``POST /webhooks/tiktok``: TikTok tells us a grant is gone or a brand was mentioned.

Order matters: refuse a body over ``MAX_BODY_BYTES`` before reading it (413), check the
signature before trusting a byte of the body (401), refuse a signed body that is not an event
(400), remember the event id (delivery is at least once), then hand the event to the feature
that owns it. If that handler fails, the event is forgotten again and we answer 500, so TikTok's
redelivery gets another go; that is the only 500 this route gives on purpose.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from archive_app.deps import Deps
from archive_app.integrations.tiktok.errors import InvalidSignature
from archive_app.integrations.tiktok.webhooks import (
    MAX_BODY_BYTES,
    SIGNATURE_HEADER,
    MalformedEvent,
    TikTokEvent,
    WebhookVerifier,
)
from archive_app.services.mentions import webhook_receipts as webhook_service

log = logging.getLogger(__name__)
EventHandler = Callable[[TikTokEvent], Awaitable[None]]
TOO_LARGE = "webhook body is larger than 1 MB"


class BodyRefused(Exception):
    """The body is refused before it is read to the end (``status`` is the HTTP answer)."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


async def read_body(request: Request, *, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body, or ``BodyRefused`` as soon as it passes ``limit`` bytes.

    The declared Content-Length is checked before reading a byte; the stream is counted too,
    because a chunked body declares no length (and a declared one is only a claim)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isascii() or not declared.isdigit():
            raise BodyRefused("Content-Length is not a number", status=400)
        digits = declared.lstrip("0")
        if len(digits) > len(str(limit)) or int(digits or "0") > limit:
            raise BodyRefused(TOO_LARGE, status=413)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BodyRefused(TOO_LARGE, status=413)
            chunks.append(chunk)
    except ClientDisconnect as exc:
        raise BodyRefused("the body did not arrive", status=400) from exc
    return b"".join(chunks)


def webhook_routes(deps: Deps, *, on_event: EventHandler) -> list[Route]:
    """``deps.clock`` is the shared app clock, which the simulator also signs with."""
    verifier = WebhookVerifier.from_settings(deps.settings)
    the_clock = deps.clock

    async def receive(request: Request) -> JSONResponse:
        try:
            body = await read_body(request)
        except BodyRefused as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        try:
            event = verifier.verify(
                request.headers.get(SIGNATURE_HEADER), body, now=the_clock.now()
            )
        except InvalidSignature as exc:
            # Fixed sentences from our code (verify_signature), never the sender's input.
            return JSONResponse({"error": exc.message}, status_code=401)
        except MalformedEvent as exc:
            return JSONResponse({"error": exc.message}, status_code=400)
        now = the_clock.now()
        is_new = await deps.db(
            lambda s: webhook_service.remember_event(
                s,
                event_id=event.event_id,
                event=event.name,
                user_openid=event.user_openid,
                now=now,
            )
        )
        if not is_new:
            return JSONResponse({"status": "duplicate", "event_id": event.event_id})
        try:
            await on_event(event)
        except Exception:
            log.exception("webhook handler failed for %s", event.event_id)
            await deps.db(lambda s: webhook_service.forget_event(s, event_id=event.event_id))
            return JSONResponse({"error": "handler failed; redeliver"}, status_code=500)
        return JSONResponse({"status": "ok", "event_id": event.event_id})

    return [Route("/webhooks/tiktok", receive, methods=["POST"])]
