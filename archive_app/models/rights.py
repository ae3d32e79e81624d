"""Usage-rights requests (DESIGN.md section 3; spec/requesting-usage-rights.txt).

A ``RightsRequest`` asks one creator for one or more of their mentions
(``RightsRequestMention``). Status: ``in_queue`` → ``requested`` → ``approved`` | ``declined``
(a person may also set any status by hand); every change is a ``RightsEvent`` with who and when.
``dm_key`` is the idempotency key of the DM: written before sending, so a crash between sending
and saving cannot send it twice. ``RightsDefault`` is the workspace's "Save as Default Message".
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from archive_app.models.base import at_field


class RightsStatus(StrEnum):
    in_queue = "in_queue"
    requested = "requested"
    approved = "approved"
    declined = "declined"


class RightsScope(StrEnum):
    """What a request asks for: usage rights, or a Spark Ads code (one TikTok video)."""

    usage_rights = "usage_rights"
    spark_code = "spark_code"


# The durations a creator can choose for a Spark Ads code (TikTok app: 7 to 365 days).
SPARK_DURATIONS_DAYS = (7, 30, 60, 365)


class RightsRequest(SQLModel, table=True):
    __tablename__ = "rights_requests"
    __table_args__ = (
        Index("ix_rights_requests_list", "workspace_id", "status", "created_at"),
        # Manage Rights' table, newest first, with no status filter (bench/feed.py).
        Index("ix_rights_requests_recent", "workspace_id", "created_at", "id"),
        Index("ix_rights_requests_creator", "workspace_id", "creator_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    creator_id: int = Field(foreign_key="creators.id", ondelete="CASCADE")
    message: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=RightsStatus.in_queue, max_length=16)
    # Why it is queued, as a code (integrations/tiktok/dm.py QueueReason) and in words.
    queue_reason: str = Field(default="", max_length=32)
    queue_detail: str = Field(default="", max_length=300)
    requested_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    # The v.1 account the DM is (to be) sent from.
    sender_source_id: int | None = Field(
        default=None, foreign_key="sources.id", ondelete="SET NULL"
    )
    created_at: datetime = at_field()
    updated_at: datetime = at_field()
    sent_at: datetime | None = at_field(nullable=True)
    responded_at: datetime | None = at_field(nullable=True)
    status_set_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    status_set_at: datetime | None = at_field(nullable=True)
    send_attempts: int = 0
    next_attempt_at: datetime | None = at_field(nullable=True)
    dm_key: str | None = Field(default=None, max_length=64, unique=True)
    dm_started_at: datetime | None = at_field(nullable=True)
    # What is asked (RightsScope); for a Spark Code request, the duration the brand asked for.
    scope: str = Field(default=RightsScope.usage_rights, max_length=16)
    spark_duration_days: int | None = None
    # The creator's link (/r/<token>): only the token's SHA-256 is kept.
    link_hash: str | None = Field(default=None, max_length=64, unique=True)
    # The custom terms version the request was sent with (None: no terms).
    terms_id: int | None = Field(default=None, foreign_key="custom_terms.id", ondelete="SET NULL")
    # The creator's answer: their optional note; for an approved Spark request, the code
    # (encrypted like tokens) and when it stops working.
    response_note: str = Field(default="", max_length=1000)
    spark_code_enc: str | None = Field(default=None, max_length=1000)
    spark_expires_at: datetime | None = at_field(nullable=True)
    # The brand removed the request ("Remove request"): the link says it was withdrawn.
    withdrawn_at: datetime | None = at_field(nullable=True)


class RightsRequestMention(SQLModel, table=True):
    __tablename__ = "rights_request_mentions"
    __table_args__ = (Index("ix_rights_request_mentions_mention", "mention_id"),)

    request_id: int = Field(foreign_key="rights_requests.id", primary_key=True, ondelete="CASCADE")
    mention_id: int = Field(foreign_key="mentions.id", primary_key=True, ondelete="CASCADE")


class RightsEvent(SQLModel, table=True):
    """Every status change of a request: to what, why, by whom (None = Archive itself), when."""

    __tablename__ = "rights_events"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="rights_requests.id", index=True, ondelete="CASCADE")
    at: datetime = at_field()
    status: str = Field(max_length=16)
    detail: str = Field(default="", max_length=300)
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")


class RightsDefault(SQLModel, table=True):
    """The workspace's default request messages ("Save as Default Message"), one per scope."""

    __tablename__ = "rights_defaults"

    workspace_id: int = Field(foreign_key="workspaces.id", primary_key=True, ondelete="CASCADE")
    message: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = at_field()
    updated_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    # The default message of "Request Spark Ads Code" (None: none saved; ``message`` is then
    # "" when only this one was saved, which reads as no usage-rights default).
    spark_message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
