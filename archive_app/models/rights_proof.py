"""Proof of a creator's answer: what they saw and how they were identified, written once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from archive_app.models.base import at_field


class RightsProof(SQLModel, table=True):
    """Written once, when the creator answers on their page; never updated (no service edits
    it). ``videos_json`` is the videos as the creator saw them (id, caption, posted, link)."""

    __tablename__ = "rights_proofs"

    request_id: int = Field(foreign_key="rights_requests.id", primary_key=True, ondelete="CASCADE")
    decision: str = Field(max_length=16)  # RightsStatus.approved | declined
    answered_at: datetime = at_field()
    message: str = Field(sa_column=Column(Text, nullable=False))
    terms_id: int | None = Field(default=None, foreign_key="custom_terms.id", ondelete="SET NULL")
    terms_version: int | None = None
    terms_url: str = Field(default="", max_length=2000)
    terms_text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    videos_json: str = Field(sa_column=Column(Text, nullable=False))
    note: str = Field(default="", max_length=1000)
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=500)
    # "tiktok_account" (Login Kit said who) or "link_only" (no Login Kit app configured).
    identified_by: str = Field(max_length=16)
    tiktok_open_id: str = Field(default="", max_length=128)
    tiktok_username: str = Field(default="", max_length=64)
    spark_duration_days: int | None = None
