"""Mail tables: the outbox (mail we owe someone) and the demo sink's inbox (mail we received).

An ``OutboxEmail`` row is written in the same transaction as the change that causes the mail
(a disconnection, an invite), so mail is never lost and never invented. ``services/outbox.py``
owns every status change; see its module docstring for the life of a row.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from archive_app.models.base import at_field


class OutboxStatus(StrEnum):
    pending = "pending"  # waiting for its next attempt (next_attempt_at)
    sending = "sending"  # claimed by a drain; the SMTP conversation may be under way
    sent = "sent"
    failed = "failed"  # given up: permanent error, too many attempts, or state unknown
    cancelled = "cancelled"  # recipient lost access before the mail went out


class OutboxEmail(SQLModel, table=True):
    __tablename__ = "outbox_email"

    id: int | None = Field(default=None, primary_key=True)
    # Plain column, no foreign key: the row must outlive its workspace for auditing, and the
    # workspaces table belongs to another module.
    workspace_id: int | None = Field(default=None, index=True)
    to_address: str = Field(max_length=320, index=True)
    subject: str = Field(max_length=998)
    text_body: str = Field(sa_column=Column(Text, nullable=False))
    html_body: str = Field(sa_column=Column(Text, nullable=False))
    # Names the reason for the mail, e.g. "disconnect:source=3:episode=7:user=12". A second
    # enqueue with the same key is a no-op; this is what makes "never twice" hold.
    dedupe_key: str = Field(max_length=255, unique=True)
    # Stored as a plain string (no database enum type to migrate); values are OutboxStatus.
    status: str = Field(default=OutboxStatus.pending.value, max_length=16, index=True)
    attempts: int = 0
    next_attempt_at: datetime = at_field(index=True)
    created_at: datetime = at_field()
    claimed_at: datetime | None = at_field(nullable=True)
    sent_at: datetime | None = at_field(nullable=True)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class SinkMessage(SQLModel, table=True):
    """One message received by the demo SMTP sink (``mail/sink.py``), shown at ``/dev/mail``."""

    __tablename__ = "sink_message"

    id: int | None = Field(default=None, primary_key=True)
    received_at: datetime = at_field(index=True)
    mail_from: str = Field(default="", max_length=320)
    # Comma-separated envelope recipients.
    to_addresses: str = Field(default="", sa_column=Column(Text, nullable=False))
    subject: str = Field(default="", sa_column=Column(Text, nullable=False))
    message_id: str = Field(default="", max_length=998)
    raw: str = Field(default="", sa_column=Column(Text, nullable=False))
    text_body: str = Field(default="", sa_column=Column(Text, nullable=False))
    html_body: str = Field(default="", sa_column=Column(Text, nullable=False))
