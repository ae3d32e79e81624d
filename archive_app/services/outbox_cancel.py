"""Mail that must not go out after all: cancelled while it still waits in the outbox."""

from __future__ import annotations

from sqlalchemy import func, update
from sqlmodel import Session, col

from archive_app.models.notifications import OutboxEmail, OutboxStatus


def cancel_pending(
    session: Session,
    *,
    to_address: str,
    reason: str,
    workspace_id: int | None = None,
    key_prefix: str | None = None,
) -> int:
    """Cancel the mail still waiting for one address: all of it in a workspace (a removed
    member gets nothing more), or that whose dedupe key starts with ``key_prefix`` (one
    source's reminders). Rows already ``sending`` are left alone (that SMTP conversation is
    under way). Returns how many rows were cancelled; the caller commits with its change.
    """
    if workspace_id is None and key_prefix is None:
        raise ValueError("cancel_pending needs a workspace or a key prefix")
    where = [
        func.lower(OutboxEmail.to_address) == to_address.strip().lower(),
        col(OutboxEmail.status) == OutboxStatus.pending.value,
    ]
    if workspace_id is not None:
        where.append(col(OutboxEmail.workspace_id) == workspace_id)
    if key_prefix is not None:
        where.append(col(OutboxEmail.dedupe_key).startswith(key_prefix, autoescape=True))
    result = session.execute(
        update(OutboxEmail)
        .where(*where)
        .values(status=OutboxStatus.cancelled.value, last_error=reason)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
