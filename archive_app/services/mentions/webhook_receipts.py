"""TikTok's webhook deliveries, remembered by event id: delivery is at least once, so a
redelivered event is recognised and not acted on twice (``api/webhooks.py`` is the route)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from archive_app.models.webhooks import WebhookEvent


def remember_event(
    session: Session, *, event_id: str, event: str, user_openid: str, now: datetime
) -> bool:
    """True when this event id is new (and now remembered), False for a redelivery.

    Committed at once, before the event is handled: a second delivery arriving meanwhile
    must see it."""
    session.add(
        WebhookEvent(
            event_id=event_id, event=event[:64], user_openid=user_openid[:128], received_at=now
        )
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def forget_event(session: Session, *, event_id: str) -> None:
    """The handler failed: forget the event so that TikTok's redelivery is acted on."""
    session.execute(delete(WebhookEvent).where(col(WebhookEvent.event_id) == event_id))
