"""Who gets the 180-day reconnection reminders of a v.1 source ("Set Up Reminders").

One rule for the list wherever it is typed (the wizard's chips, the row's editor) and saved.
"""

from __future__ import annotations

import re

from sqlalchemy import delete
from sqlmodel import Session, col, select

from archive_app.models.sources import ReminderRecipient, Source
from archive_app.services import outbox_cancel
from archive_app.services.auth import normalize_email
from archive_app.services.errors import InvalidInput
from archive_app.services.sources.reminder_schedule import reminder_key_prefix

MAX_REMINDER_EMAILS = 10


# What people put between addresses they paste: commas, semicolons, spaces, new lines.
_SEPARATORS = re.compile(r"[,;\s]+")


def split_addresses(raw: str) -> list[str]:
    """The addresses of a pasted list ("social@brand.com, ceo@brand.com"), each one a chip."""
    return [part for part in _SEPARATORS.split(raw) if part]


def clean_reminder_emails(raw: list[str]) -> list[str]:
    """Validate "Set Up Reminders" chips: each address valid, no duplicates, at least one."""
    cleaned: list[str] = []
    for item in raw:
        address = normalize_email(item)
        if address in cleaned:
            raise InvalidInput(f"{address} is already in the list.", field="reminder_emails")
        cleaned.append(address)
    if not cleaned:
        raise InvalidInput("Add at least one email address for reminders.", field="reminder_emails")
    if len(cleaned) > MAX_REMINDER_EMAILS:
        raise InvalidInput(
            f"Up to {MAX_REMINDER_EMAILS} addresses can receive reminders.",
            field="reminder_emails",
        )
    return cleaned


def set_reminder_emails(session: Session, *, source: Source, emails: list[str]) -> None:
    """Replace the list; a removed address's reminder still waiting in the outbox is cancelled."""
    assert source.id is not None
    before = session.exec(
        select(ReminderRecipient.email).where(ReminderRecipient.source_id == source.id)
    ).all()
    for address in set(before) - set(emails):
        outbox_cancel.cancel_pending(
            session,
            key_prefix=reminder_key_prefix(source.id),
            to_address=address,
            reason="removed from the reminder list",
        )
    session.execute(delete(ReminderRecipient).where(col(ReminderRecipient.source_id) == source.id))
    for address in emails:
        session.add(ReminderRecipient(source_id=source.id, email=address))
