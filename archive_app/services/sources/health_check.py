"""The ``check_sources`` job's work: expire what is past its deadline, then one cheap
authenticated call (the account's profile) per live source, judged by
``services/sources/health.py``.

A source whose access token is about to expire is not checked here: its refresh
(``services/sources/refresh.py``) is the authenticated call, and reports to health the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from archive_app.crypto import TokenCipher
from archive_app.db import Db
from archive_app.integrations.tiktok.errors import (
    GrantRevoked,
    InvalidRequest,
    TokenExpired,
    TransientError,
)
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.integrations.tiktok.protocol import ProfileRead
from archive_app.models.sources import Source
from archive_app.services.sources import disconnection_mail as notifications
from archive_app.services.sources.health import (
    LIVE,
    expire_due,
    live_source,
    record_answer,
    record_no_answer,
    record_refused,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    source_id: int
    kind: Kind
    open_id: str
    access_token: str


@dataclass
class CheckResult:
    checked: int = 0
    answered: int = 0
    no_answer: int = 0
    refused: int = 0
    expired: int = 0
    stale: int = 0  # not judged: the access token needs a refresh, or our request was wrong
    # Workspaces whose open tabs must be told (a status changed).
    workspaces: set[int] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        return {
            "checked": self.checked,
            "answered": self.answered,
            "no_answer": self.no_answer,
            "refused": self.refused,
            "expired": self.expired,
            "stale": self.stale,
        }


def check_targets(session: Session, *, cipher: TokenCipher, now: datetime) -> list[Target]:
    """Live sources whose access token is still good (an expiring one is the refresh job's:
    the refresh is its check)."""
    rows = session.exec(
        select(Source)
        .where(
            col(Source.status).in_(LIVE),
            col(Source.access_token_enc).is_not(None),
            col(Source.access_expires_at) > now,
        )
        .order_by(col(Source.id))
    ).all()
    return [
        Target(s.id, Kind(s.kind), s.open_id, cipher.decrypt(s.access_token_enc))
        for s in rows
        if s.id is not None and s.access_token_enc
    ]


async def check_sources(
    db: Db,
    gateway_for: Callable[[Kind], ProfileRead],
    *,
    cipher: TokenCipher,
    now: datetime,
    links: notifications.Links,
) -> CheckResult:
    """Expire what is past its deadline, then ask TikTok about every other live source."""
    result = CheckResult()
    expired = await db(lambda s: expire_due(s, now=now, links=links))
    result.expired = len(expired)
    result.workspaces.update(expired)
    for target in await db(lambda s: check_targets(s, cipher=cipher, now=now)):
        result.checked += 1
        outcome, changed = await _check_one(db, gateway_for, target, now=now, links=links)
        setattr(result, outcome, getattr(result, outcome) + 1)
        if changed is not None:
            result.workspaces.add(changed)
    return result


async def _check_one(
    db: Db,
    gateway_for: Callable[[Kind], ProfileRead],
    target: Target,
    *,
    now: datetime,
    links: notifications.Links,
) -> tuple[str, int | None]:
    """One source's check: (the CheckResult counter it adds to, the workspace if it changed)."""
    source_id = target.source_id
    try:
        await gateway_for(target.kind).profile(
            access_token=target.access_token, open_id=target.open_id
        )
    except TransientError:
        return "no_answer", await db(
            lambda s: record_no_answer(s, source_id=source_id, now=now, links=links)
        )
    except GrantRevoked as exc:
        reason = exc.reason
        return "refused", await db(
            lambda s: record_refused(s, source_id=source_id, reason=reason, now=now, links=links)
        )
    except TokenExpired:
        # TikTok ended the access token early: the next refresh_tokens run renews it.
        await db(lambda s: _refresh_soon(s, source_id=source_id, now=now))
        return "stale", None
    except InvalidRequest as exc:  # our request is wrong: a bug to fix, not the account
        log.warning("health check of source %s refused: %s", source_id, exc)
        return "stale", None
    return "answered", await db(lambda s: record_answer(s, source_id=source_id, now=now))


def _refresh_soon(session: Session, *, source_id: int, now: datetime) -> None:
    source = live_source(session, source_id)
    if source is not None:
        source.access_expires_at = now
        session.add(source)
