"""The brand's custom terms for usage-rights requests: each save is a new version (a row)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from archive_app.models.base import at_field


class CustomTerms(SQLModel, table=True):
    """One saved version of a workspace's terms. Rows are never edited: a request points at
    the version it was sent with. ``retired_at`` is set when a newer version (or removal)
    replaces it as the workspace's current terms."""

    __tablename__ = "custom_terms"
    __table_args__ = (Index("ix_custom_terms_workspace", "workspace_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    version: int
    url: str = Field(default="", max_length=2000)
    text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = at_field()
    created_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    retired_at: datetime | None = at_field(nullable=True)
