"""Forgot-password links, and the one-time setup code of a fresh production instance."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from archive_app.models.base import at_field


class PasswordReset(SQLModel, table=True):
    """A "Forgot password?" link: only the SHA-256 of its token is stored.

    It works once, before ``expires_at`` (1 hour), and only while the account's password is
    still the one it had when the link was sent: ``password_fingerprint`` is the SHA-256 of the
    password hash at that moment, so any later change (the profile form, ``archive
    reset-password``, another reset link) ends it without anyone having to find the link.
    """

    __tablename__ = "password_resets"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    password_fingerprint: str = Field(max_length=64)
    created_at: datetime = at_field()
    expires_at: datetime = at_field()
    used_at: datetime | None = at_field(nullable=True)


class SetupCode(SQLModel, table=True):
    """A code printed in the server log at start while a production instance has no owner.

    Creating the first owner from the web needs one, so a stranger who reaches a fresh public
    instance first cannot make themselves its owner. Only its SHA-256 is stored. Each start
    (each worker, each replica) prints a code of its own; any of them works until the owner
    exists, then every row is deleted.
    """

    __tablename__ = "setup_codes"

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = at_field()
