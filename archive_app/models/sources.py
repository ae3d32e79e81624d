"""Connected TikTok accounts, their history, reminder addresses, and connection attempts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from archive_app.models.base import at_field


class SourceStatus(StrEnum):
    connecting = "connecting"
    active = "active"
    degraded = "degraded"
    disconnected = "disconnected"
    expired = "expired"


class Source(SQLModel, table=True):
    """One TikTok account connected to a workspace. Tokens are Fernet-encrypted at rest."""

    __tablename__ = "sources"
    __table_args__ = (
        UniqueConstraint("workspace_id", "kind", "open_id", name="uq_source_account"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    open_id: str = Field(max_length=128)
    handle: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=128)
    avatar_url: str = Field(default="", max_length=1024)
    # Archive's copy of that avatar in the media store ("" until kept: services/media/avatars.py).
    avatar_key: str = Field(default="", max_length=255)
    status: str = Field(default=SourceStatus.connecting, max_length=16)
    status_reason: str = Field(default="", max_length=300)
    status_changed_at: datetime = at_field()
    access_token_enc: str | None = Field(default=None)
    refresh_token_enc: str | None = Field(default=None)
    access_expires_at: datetime | None = at_field(nullable=True)
    refresh_expires_at: datetime | None = at_field(nullable=True)
    deadline_at: datetime | None = at_field(nullable=True)
    connected_at: datetime | None = at_field(nullable=True)
    connected_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    consecutive_failures: int = 0
    # Health (services/sources/health.py): the last time TikTok answered a check or a refresh, and
    # when the current run of failed checks began (None while checks succeed).
    last_checked_at: datetime | None = at_field(nullable=True)
    failing_since: datetime | None = at_field(nullable=True)
    # Set while a refresh_tokens run spends the refresh token (services/sources/refresh.py).
    refresh_claimed_at: datetime | None = at_field(nullable=True)
    # The SourceEvent of a disconnection people are being told about (email + pop-up); None
    # once reconnected, or when a person disconnected it on purpose.
    alert_event_id: int | None = Field(default=None)
    created_at: datetime = at_field()


class SourceEvent(SQLModel, table=True):
    """Every status transition: when, to what, and why (shown to people)."""

    __tablename__ = "source_events"

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="sources.id", index=True, ondelete="CASCADE")
    at: datetime = at_field()
    status: str = Field(max_length=16)
    reason: str = Field(default="", max_length=300)
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")


class ReminderRecipient(SQLModel, table=True):
    """An address entered at "Set Up Reminders" for a v.1 source."""

    __tablename__ = "reminder_recipients"
    __table_args__ = (UniqueConstraint("source_id", "email", name="uq_reminder_recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="sources.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=320)


class ReminderSent(SQLModel, table=True):
    """The reminder ledger: one row per (source, deadline, step, address) ever queued.

    The unique constraint is what makes a step go out at most once to an address, across job
    runs, workers and restarts (services/sources/reminder_schedule.py). A new deadline (a reconnect)
    is a new schedule.
    """

    __tablename__ = "reminders_sent"
    __table_args__ = (
        UniqueConstraint("source_id", "deadline_at", "step_days", "email", name="uq_reminder_sent"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="sources.id", index=True, ondelete="CASCADE")
    deadline_at: datetime = at_field()
    step_days: int
    email: str = Field(max_length=320)
    sent_at: datetime = at_field()


class AttemptStatus(StrEnum):
    pending = "pending"
    done = "done"
    failed = "failed"


class ConnectAttempt(SQLModel, table=True):
    """A connection flow in progress: the OAuth ``state`` / QR ticket, single-use, 10 minutes.

    Bound to the user and workspace that started it; a callback from anyone else is refused.
    Only the SHA-256 of the state is stored.
    """

    __tablename__ = "connect_attempts"

    id: int | None = Field(default=None, primary_key=True)
    state_hash: str = Field(max_length=64, unique=True)
    workspace_id: int = Field(foreign_key="workspaces.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    kind: str = Field(max_length=16)
    # Set when reconnecting: the account must be the same one.
    source_id: int | None = Field(default=None, foreign_key="sources.id", ondelete="CASCADE")
    reminder_emails: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    qr_token: str | None = Field(default=None, max_length=512)
    qr_ticket: str | None = Field(default=None, max_length=128)
    qr_scan_url: str | None = Field(default=None, max_length=2048)
    status: str = Field(default=AttemptStatus.pending, max_length=16)
    error: str = Field(default="", max_length=300)
    created_at: datetime = at_field()
    expires_at: datetime = at_field()
    used_at: datetime | None = at_field(nullable=True)
    result_source_id: int | None = Field(default=None)
