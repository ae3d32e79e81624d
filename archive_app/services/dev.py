"""Dev-only services: what the demo SMTP sink received (``api/dev.py``), and keeping the demo
signed in when the simulator's clock moves."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from archive_app.clock import utc
from archive_app.models.auth import AuthSession
from archive_app.models.notifications import SinkMessage

LIST_LIMIT = 200


def recent_mail(session: Session, *, limit: int = LIST_LIMIT) -> list[SinkMessage]:
    """The sink's newest mail first."""
    return list(
        session.exec(
            select(SinkMessage)
            .order_by(col(SinkMessage.received_at).desc(), col(SinkMessage.id).desc())
            .limit(limit)
        ).all()
    )


def mail_by_id(session: Session, *, mail_id: int) -> SinkMessage | None:
    return session.get(SinkMessage, mail_id)


def carry_sessions_over(session: Session, *, delta: timedelta) -> int:
    """Move every sign-in's end by ``delta``: the simulator moved the clock the app shares.

    Demo and test mode only (the simulator is never served in production). Time moved for
    TikTok's tokens, deadlines and reminders, not for the person at the keyboard: their session
    keeps the time it had left. Returns how many sessions were moved."""
    rows = session.exec(select(AuthSession)).all()
    for row in rows:
        row.expires_at = utc(row.expires_at) + delta
        session.add(row)
    session.flush()
    return len(rows)
