"""Workspaces, people and who belongs where."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from archive_app.models.base import at_field


class Role(StrEnum):
    owner = "owner"
    member = "member"


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    created_at: datetime = at_field()


class Workspace(SQLModel, table=True):
    __tablename__ = "workspaces"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    created_at: datetime = at_field()


class Membership(SQLModel, table=True):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id", name="uq_membership"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    role: str = Field(default=Role.member, max_length=16)
    created_at: datetime = at_field()


class Invite(SQLModel, table=True):
    """An invitation by email; only the SHA-256 of its link token is stored."""

    __tablename__ = "invites"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=320, index=True)
    token_hash: str = Field(max_length=64, unique=True)
    invited_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = at_field()
    expires_at: datetime = at_field()
    accepted_at: datetime | None = at_field(nullable=True)
    revoked_at: datetime | None = at_field(nullable=True)


class SignupRequest(SQLModel, table=True):
    """A sign-up waiting for its email link: nothing exists until the address is confirmed.

    Sign-up answers "check your email" whether or not the address has an account, so the
    page never tells a stranger who uses Archive. The link works once, before ``expires_at``,
    and only in the browser that asked (``browser_hash`` is the SHA-256 of a cookie set then),
    so a stranger who signs up with someone else's address cannot get their password confirmed.
    """

    __tablename__ = "signup_requests"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, index=True)
    workspace_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    token_hash: str = Field(max_length=64, unique=True)
    browser_hash: str = Field(max_length=64)
    created_at: datetime = at_field()
    expires_at: datetime = at_field()
    confirmed_at: datetime | None = at_field(nullable=True)
