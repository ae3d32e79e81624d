"""Refreshing access tokens before they expire (the ``refresh_tokens`` job).

- What TikTok returns is stored: the new access token and the new refresh token (rotation: the
  old one may already be refused), their expiries, and a deadline that can only move earlier
  (the refresh token's lifetime may end before the kind's promise).
- A failed refresh never wipes a working token. No answer (timeout, 429, 5xx) is reported to
  health like a failed check (amber, then disconnected if it lasts); TikTok refusing the
  refresh token ends the connection (``health.record_refused``).
- Each refresh is claimed first (``refresh_claimed_at``, a conditional UPDATE): two runs, two
  workers or a run and a dev call never spend the same refresh token twice, which under strict
  rotation would make the loser's "invalid refresh token" disconnect a healthy source.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, update
from sqlmodel import Session, col, select

from archive_app.clock import utc
from archive_app.crypto import TokenCipher
from archive_app.db import Db
from archive_app.integrations.tiktok.errors import GrantRevoked, TikTokError, TransientError
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.integrations.tiktok.protocol import TokenRefresh, TokenSet
from archive_app.models.sources import Source
from archive_app.services.sources import health
from archive_app.services.sources.disconnection_mail import Links

log = logging.getLogger(__name__)

# Refresh a token this long before it expires (the job runs every few minutes).
REFRESH_AHEAD = timedelta(minutes=30)
# A claim older than this was left by a run that died; the token may be refreshed again.
CLAIM_FOR = timedelta(minutes=2)


@dataclass(frozen=True)
class Due:
    source_id: int
    kind: Kind


@dataclass
class RefreshResult:
    refreshed: int = 0
    no_answer: int = 0
    refused: int = 0
    skipped: int = 0
    workspaces: set[int] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        return {
            "refreshed": self.refreshed,
            "no_answer": self.no_answer,
            "refused": self.refused,
            "skipped": self.skipped,
        }


def _is_due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        col(Source.status).in_(health.LIVE),
        col(Source.refresh_token_enc).is_not(None),
        col(Source.deadline_at) > now,
        or_(
            col(Source.access_expires_at).is_(None),
            col(Source.access_expires_at) <= now + REFRESH_AHEAD,
        ),
    )


def due_for_refresh(session: Session, *, now: datetime) -> list[Due]:
    """Live sources whose access token expires within ``REFRESH_AHEAD`` (or has)."""
    rows = session.exec(
        select(Source.id, Source.kind).where(*_is_due(now)).order_by(col(Source.id))
    ).all()
    return [Due(source_id, Kind(kind)) for source_id, kind in rows if source_id is not None]


def claim(session: Session, *, source_id: int, cipher: TokenCipher, now: datetime) -> str | None:
    """Take the right to spend this source's refresh token; the plain token, or None when
    another run holds it, or the source is no longer due (another run listed it too and has
    refreshed it since: its claim is released, its new token not due for hours)."""
    result = session.execute(
        update(Source)
        .where(
            col(Source.id) == source_id,
            *_is_due(now),
            or_(
                col(Source.refresh_claimed_at).is_(None),
                col(Source.refresh_claimed_at) < now - CLAIM_FOR,
            ),
        )
        .values(refresh_claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    source = session.get(Source, source_id)
    assert source is not None and source.refresh_token_enc is not None
    return cipher.decrypt(source.refresh_token_enc)


def store(
    session: Session, *, source_id: int, tokens: TokenSet, cipher: TokenCipher, now: datetime
) -> int | None:
    """Keep what TikTok returned; the workspace id when the source's status changed."""
    source = session.get(Source, source_id)
    if source is None:
        return None
    source.access_token_enc = cipher.encrypt(tokens.access_token)
    source.refresh_token_enc = cipher.encrypt(tokens.refresh_token)
    source.access_expires_at = tokens.access_expires_at
    source.refresh_expires_at = tokens.refresh_expires_at
    if source.deadline_at is None or tokens.refresh_expires_at < utc(source.deadline_at):
        source.deadline_at = tokens.refresh_expires_at
    source.refresh_claimed_at = None
    session.add(source)
    return health.record_answer(session, source_id=source_id, now=now)


def release(session: Session, *, source_id: int) -> None:
    source = session.get(Source, source_id)
    if source is not None:
        source.refresh_claimed_at = None
        session.add(source)


async def refresh_due(
    db: Db,
    gateway_for: Callable[[Kind], TokenRefresh],
    *,
    cipher: TokenCipher,
    now: datetime,
    links: Links,
) -> RefreshResult:
    result = RefreshResult()
    for due in await db(lambda s: due_for_refresh(s, now=now)):
        outcome, changed = await _refresh_one(
            db, gateway_for, due, cipher=cipher, now=now, links=links
        )
        setattr(result, outcome, getattr(result, outcome) + 1)
        if changed is not None:
            result.workspaces.add(changed)
    return result


async def _refresh_one(
    db: Db,
    gateway_for: Callable[[Kind], TokenRefresh],
    due: Due,
    *,
    cipher: TokenCipher,
    now: datetime,
    links: Links,
) -> tuple[str, int | None]:
    """One source: (the RefreshResult counter it adds to, the workspace if it changed)."""
    source_id = due.source_id
    token = await db(lambda s: claim(s, source_id=source_id, cipher=cipher, now=now))
    if token is None:
        return "skipped", None
    try:
        tokens = await gateway_for(due.kind).refresh(refresh_token=token, now=now)
    except TransientError:
        return "no_answer", await db(lambda s: _failed(s, source_id, now=now, links=links))
    except GrantRevoked as exc:
        reason = exc.reason
        return "refused", await db(lambda s: _refused(s, source_id, reason, now=now, links=links))
    except TikTokError as exc:  # our request is wrong: keep the tokens, log the bug
        log.warning("refresh of source %s refused: %s", source_id, exc)
        await db(lambda s: release(s, source_id=source_id))
        return "skipped", None
    except BaseException:
        await db(lambda s: release(s, source_id=source_id))
        raise
    return "refreshed", await db(
        lambda s: store(s, source_id=source_id, tokens=tokens, cipher=cipher, now=now)
    )


def _failed(session: Session, source_id: int, *, now: datetime, links: Links) -> int | None:
    release(session, source_id=source_id)
    return health.record_no_answer(session, source_id=source_id, now=now, links=links)


def _refused(
    session: Session, source_id: int, reason: str, *, now: datetime, links: Links
) -> int | None:
    release(session, source_id=source_id)
    return health.record_refused(session, source_id=source_id, reason=reason, now=now, links=links)
