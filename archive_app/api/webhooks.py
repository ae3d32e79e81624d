"""``POST /webhooks/tiktok``: TikTok tells us a grant is gone or a brand was mentioned.

Order matters: check the signature before trusting a byte of the body, remember the event id
(delivery is at least once), then hand the event to the feature that owns it. If that handler
fails, the event is forgotten again and we answer 500, so TikTok's redelivery gets another go.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import Engine, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from archive_app.clock import Clock, app_clock
from archive_app.integrations.tiktok.errors import InvalidSignature
from archive_app.integrations.tiktok.webhooks import (
    SIGNATURE_HEADER,
    AuthorizationRemoved,
    BrandMention,
    TikTokEvent,
    WebhookVerifier,
)
from archive_app.models.webhooks import WebhookEvent
from archive_app.settings import Settings

log = logging.getLogger(__name__)
EventHandler = Callable[[TikTokEvent], Awaitable[None]]


def _event_name(event: TikTokEvent) -> str:
    if isinstance(event, AuthorizationRemoved):
        return "authorization.removed"
    if isinstance(event, BrandMention):
        return "brand.mention.event"
    return event.event[:64]


def webhook_routes(
    *,
    settings: Settings,
    engine_factory: Callable[[], Engine],
    on_event: EventHandler,
    clock: Clock | None = None,
) -> list[Route]:
    """``clock`` defaults to the shared app clock, which the simulator also signs with."""
    verifier = WebhookVerifier.from_settings(settings)
    the_clock = clock or app_clock()

    def remember(event: TikTokEvent) -> bool:
        """True when this event is new (and now remembered)."""
        row = WebhookEvent(
            event_id=event.event_id,
            event=_event_name(event),
            user_openid=event.user_openid[:128],
            received_at=the_clock.now(),
        )
        with Session(engine_factory()) as session:
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return False
        return True

    def forget(event_id: str) -> None:
        with Session(engine_factory()) as session:
            session.exec(delete(WebhookEvent).where(col(WebhookEvent.event_id) == event_id))
            session.commit()

    async def receive(request: Request) -> JSONResponse:
        body = await request.body()
        try:
            event = verifier.verify(
                request.headers.get(SIGNATURE_HEADER), body, now=the_clock.now()
            )
        except InvalidSignature as exc:
            return JSONResponse({"error": exc.message}, status_code=401)
        # Blocking SQL runs in a thread, never on the loop that serves the websockets.
        if not await asyncio.to_thread(remember, event):
            return JSONResponse({"status": "duplicate", "event_id": event.event_id})
        try:
            await on_event(event)
        except Exception:
            log.exception("webhook handler failed for %s", event.event_id)
            await asyncio.to_thread(forget, event.event_id)
            return JSONResponse({"error": "handler failed; redeliver"}, status_code=500)
        return JSONResponse({"status": "ok", "event_id": event.event_id})

    return [Route("/webhooks/tiktok", receive, methods=["POST"])]
