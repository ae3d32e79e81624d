"""Webhook deliveries already handled. TikTok delivers at least once, so we remember each event.

The id is derived from the event (TikTok sends none); the unique index makes "seen before?" and
"remember it" one atomic insert, safe across workers and replicas.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from archive_app.models.base import at_field


class WebhookEvent(SQLModel, table=True):
    __tablename__ = "webhook_events"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=64, unique=True, index=True)
    event: str = Field(max_length=64)
    user_openid: str = Field(default="", max_length=128)
    received_at: datetime = at_field(index=True)
