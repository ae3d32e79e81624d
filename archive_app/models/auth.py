"""Browser sessions and login attempts (for rate limiting)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from archive_app.models.base import at_field


class AuthSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored here."""

    __tablename__ = "auth_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    workspace_id: int | None = Field(
        default=None, foreign_key="workspaces.id", index=True, ondelete="CASCADE"
    )
    created_at: datetime = at_field()
    expires_at: datetime = at_field()


class LoginAttempt(SQLModel, table=True):
    """One failed log-in: the rows the throttle in ``services.auth`` counts.

    Counted per (email, IP address) pair, so failures from elsewhere never lock the owner of an
    email out: after 5 free failures of a pair, each further try waits twice as long as the last.
    Separately, an IP address with 100 failures over all emails in 10 minutes is refused for the
    rest of that window. A try from a browser with a device cookie for the account (``device``,
    the cookie's random id) counts only that browser's own failures.
    """

    __tablename__ = "login_attempts"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, index=True)
    ip: str = Field(max_length=64, index=True)
    device: str | None = Field(default=None, max_length=64, index=True)
    attempted_at: datetime = at_field(index=True)
