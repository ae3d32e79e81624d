"""Custom terms: the brand's terms a creator sees with each request (`+ Add custom terms`).

Versions are rows, never edited (a request and its proof point at the one it was sent with):
- a workspace save adds version ``max + 1`` and retires the current one (``retired_at``);
- removing the terms retires the current one (new requests then go without terms);
- terms edited in the request window for one request are a row of their own, retired from the
  moment it is made, so it never becomes the workspace's current terms.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func
from sqlmodel import Session, col, select

from archive_app import events
from archive_app.models.rights_terms import CustomTerms
from archive_app.services.errors import InvalidInput, NotFound
from archive_app.services.team import require_member

URL_LIMIT = 2000
TEXT_LIMIT = 5000


@dataclass(frozen=True)
class Terms:
    """A version of the terms as people see it."""

    terms_id: int
    version: int
    url: str
    text: str


@dataclass(frozen=True)
class TermsChoice:
    """What one request is sent with: the workspace's current terms (``keep``), none, or its
    own ``url`` / ``text``."""

    keep: bool = True
    url: str = ""
    text: str = ""

    @classmethod
    def none(cls) -> TermsChoice:
        return cls(keep=False)

    @classmethod
    def own(cls, url: str, text: str) -> TermsChoice:
        return cls(keep=False, url=url, text=text)


CURRENT = TermsChoice()


def check_terms(url: str, text: str) -> tuple[str, str]:
    """The URL and text to save, or InvalidInput (field ``terms_url`` / ``terms_text``)."""
    url, text = url.strip(), text.replace("\r\n", "\n").strip()
    if not url:
        raise InvalidInput("Enter the web address of your terms (https://…).", field="terms_url")
    if len(url) > URL_LIMIT:
        raise InvalidInput(
            f"The address can be at most {URL_LIMIT:,} characters.", field="terms_url"
        )
    parts = urlsplit(url)
    if parts.scheme.lower() != "https" or not parts.hostname or any(c.isspace() for c in url):
        raise InvalidInput(
            "The address must be a full https:// link, like https://brand.com/terms.",
            field="terms_url",
        )
    if len(text) > TEXT_LIMIT:
        raise InvalidInput(
            f"The terms' text can be at most {TEXT_LIMIT:,} characters; it has {len(text):,}. "
            "Put the rest on the page at the address.",
            field="terms_text",
        )
    bad = next((ch for ch in text if ch not in "\n\t" and unicodedata.category(ch) == "Cc"), None)
    if bad is not None:
        raise InvalidInput(
            f"The text has a character that can't be saved (U+{ord(bad):04X}). Remove it.",
            field="terms_text",
        )
    return url, text


def _view(row: CustomTerms) -> Terms:
    return Terms(row.id or 0, row.version, row.url, row.text)


def _current_row(session: Session, *, workspace_id: int) -> CustomTerms | None:
    return session.exec(
        select(CustomTerms)
        .where(CustomTerms.workspace_id == workspace_id, col(CustomTerms.retired_at).is_(None))
        .order_by(col(CustomTerms.version).desc())
    ).first()


def _next_version(session: Session, *, workspace_id: int) -> int:
    top = session.exec(
        select(func.max(CustomTerms.version)).where(CustomTerms.workspace_id == workspace_id)
    ).one()
    return int(top or 0) + 1


def current_terms(session: Session, *, workspace_id: int, user_id: int) -> Terms | None:
    """The terms every new request of the workspace is sent with (None: no terms)."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    row = _current_row(session, workspace_id=workspace_id)
    return _view(row) if row else None


def save_terms(
    session: Session, *, workspace_id: int, user_id: int, url: str, text: str, now: datetime
) -> Terms:
    """`Save terms`: a new current version; the one before is retired (requests keep it)."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    url, text = check_terms(url, text)
    previous = _current_row(session, workspace_id=workspace_id)
    if previous is not None:
        previous.retired_at = now
        session.add(previous)
    row = CustomTerms(
        workspace_id=workspace_id,
        version=_next_version(session, workspace_id=workspace_id),
        url=url,
        text=text,
        created_at=now,
        created_by_id=user_id,
    )
    session.add(row)
    session.flush()
    events.record(session, events.RightsChanged(workspace_id=workspace_id))
    return _view(row)


def remove_terms(session: Session, *, workspace_id: int, user_id: int, now: datetime) -> None:
    """`Remove terms`: new requests go without terms; sent requests keep theirs."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    row = _current_row(session, workspace_id=workspace_id)
    if row is None:
        raise NotFound("There are no custom terms to remove.")
    row.retired_at = now
    session.add(row)
    events.record(session, events.RightsChanged(workspace_id=workspace_id))


def terms_for_request(
    session: Session, *, workspace_id: int, user_id: int, choice: TermsChoice, now: datetime
) -> int | None:
    """The terms version a new request records (``RightsRequest.terms_id``)."""
    if choice.keep:
        row = _current_row(session, workspace_id=workspace_id)
        return row.id if row else None
    if not choice.url and not choice.text:
        return None  # removed for this request
    url, text = check_terms(choice.url, choice.text)
    current = _current_row(session, workspace_id=workspace_id)
    if current is not None and (current.url, current.text) == (url, text):
        return current.id  # "edited" back to what it was
    row = CustomTerms(
        workspace_id=workspace_id,
        version=_next_version(session, workspace_id=workspace_id),
        url=url,
        text=text,
        created_at=now,
        created_by_id=user_id,
        retired_at=now,  # this request's own: never the workspace's current terms
    )
    session.add(row)
    session.flush()
    return row.id


def terms_by_id(session: Session, *, workspace_id: int, terms_id: int | None) -> Terms | None:
    """A version of this workspace's terms (what a request was sent with)."""
    if terms_id is None:
        return None
    row = session.get(CustomTerms, terms_id)
    return _view(row) if row is not None and row.workspace_id == workspace_id else None
