"""A change of profile address waiting for its emailed link (``services/email_change.py``)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from archive_app.models.base import at_field


class EmailChange(SQLModel, table=True):
    """Someone asked to move their account to ``new_email``; nothing changes until the link sent
    there is opened. Only the SHA-256 of the link's token is stored; the link works once
    (``used_at``), before ``expires_at``. A newer request marks the older ones used."""

    __tablename__ = "email_changes"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    new_email: str = Field(max_length=320)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = at_field()
    expires_at: datetime = at_field()
    used_at: datetime | None = at_field(nullable=True)
