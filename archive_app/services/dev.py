"""Dev-only reads behind ``api/dev.py``: what the demo SMTP sink received."""

from __future__ import annotations

from sqlmodel import Session, col, select

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
