"""Whether each source still works, and every way a connection ends without a person.

Status (DESIGN.md section 3): ``active ⇄ degraded → disconnected`` and ``active → expired``.

- A check is one cheap authenticated call (the account's profile). ``refresh_tokens``
  (services/sources/refresh.py) reports through the same three functions, since a refresh is an
  authenticated call too: :func:`record_answer`, :func:`record_no_answer`, :func:`record_refused`.
- No answer (timeout, 429, 5xx) once: ``degraded`` (amber, "TikTok did not answer at 10:42 UTC;
  retrying"), nobody alerted. The next answer clears it. A second failure in a row, at least
  ``DISCONNECT_AFTER`` after the first, ends the connection.
- TikTok says the grant is gone (revoked, invalid refresh token, missing permission): ended.
- The deadline (the earlier of the kind's promise and TikTok's refresh expiry): ``expired``.

Every ending goes through :func:`end_connection`: the status with its reason in words, and the
one disconnection episode (an email to every current member, the pop-up, the red badge).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from archive_app import dates
from archive_app.clock import utc
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.models.sources import Source, SourceEvent, SourceStatus
from archive_app.services.sources import disconnection_mail as notifications
from archive_app.services.sources.status import set_status

log = logging.getLogger(__name__)

# Two failed checks in a row this far apart end the connection (one never does).
DISCONNECT_AFTER = timedelta(minutes=30)
# What a check or a refresh looks at: sources that should be working.
LIVE = (SourceStatus.active.value, SourceStatus.degraded.value)


def _clock(at: datetime) -> str:
    return dates.clock_time(at)


def no_answer_reason(at: datetime) -> str:
    return f"TikTok did not answer at {_clock(at)}; retrying"


def silent_reason(since: datetime) -> str:
    return f"TikTok has not answered since {dates.day_time(since)}"


def expiry_reason(source: Source) -> str:
    """ "The 180-day connection ended" (the length this connection really had)."""
    if source.connected_at is None or source.deadline_at is None:
        return "The connection reached its end date"
    days = round((utc(source.deadline_at) - utc(source.connected_at)) / timedelta(days=1))
    return f"The {days}-day connection ended"


def end_connection(
    session: Session,
    *,
    source: Source,
    status: SourceStatus,
    reason: str,
    now: datetime,
    links: notifications.Links,
    forget_tokens: bool,
) -> SourceEvent | None:
    """The connection is over: record why, and start the disconnection episode (one email per
    current member, the pop-up in every open tab, the badge). None when it was already so."""
    if forget_tokens:  # TikTok will not take them again; a failed check's tokens are kept
        source.access_token_enc = None
        source.refresh_token_enc = None
        source.access_expires_at = None
    source.failing_since = None
    event = set_status(session, source=source, status=status, reason=reason, now=now)
    if event is None:
        return None
    assert event.id is not None
    source.alert_event_id = event.id
    session.add(source)
    notifications.announce_disconnection(
        session, source=source, episode_id=event.id, now=now, links=links
    )
    return event


def grant_removed(
    session: Session,
    *,
    open_id: str,
    reason: str,
    now: datetime,
    links: notifications.Links,
    kind: Kind | None = None,
) -> list[tuple[int, int]]:
    """TikTok says this account's grant is gone (webhook ``authorization.removed``): every live
    source on it ends. Returns (workspace_id, source_id) of sources that changed; a repeated
    report of the same removal changes nothing and tells nobody twice."""
    changed: list[tuple[int, int]] = []
    query = select(Source).where(Source.open_id == open_id)
    if kind is not None:
        query = query.where(Source.kind == kind.value)
    for source in session.exec(query).all():
        if source.status not in LIVE:  # already ended (or never finished connecting)
            continue
        event = end_connection(
            session,
            source=source,
            status=SourceStatus.disconnected,
            reason=reason,
            now=now,
            links=links,
            forget_tokens=True,
        )
        if event is not None and source.id is not None:
            changed.append((source.workspace_id, source.id))
    return changed


def expire_due(session: Session, *, now: datetime, links: notifications.Links) -> list[int]:
    """Sources past their deadline become ``expired`` and start the episode. Workspace ids."""
    due = session.exec(
        select(Source).where(col(Source.status).in_(LIVE), col(Source.deadline_at) <= now)
    ).all()
    changed = []
    for source in due:
        if end_connection(
            session,
            source=source,
            status=SourceStatus.expired,
            reason=expiry_reason(source),
            now=now,
            links=links,
            forget_tokens=True,
        ):
            changed.append(source.workspace_id)
    return changed


def live_source(session: Session, source_id: int) -> Source | None:
    source = session.get(Source, source_id)
    return source if source is not None and source.status in LIVE else None


def record_answer(session: Session, *, source_id: int, now: datetime) -> int | None:
    """TikTok answered: a degraded source is active again. The workspace id when that showed."""
    source = live_source(session, source_id)
    if source is None:
        return None
    source.last_checked_at = now
    source.consecutive_failures = 0
    source.failing_since = None
    session.add(source)
    if source.status == SourceStatus.degraded:
        set_status(session, source=source, status=SourceStatus.active, reason="", now=now)
        return source.workspace_id
    return None


def record_no_answer(
    session: Session, *, source_id: int, now: datetime, links: notifications.Links
) -> int | None:
    """Timeout, 429 or 5xx. The first makes the source amber; a second one at least
    ``DISCONNECT_AFTER`` after the first ends the connection. The workspace id, if it changed."""
    source = live_source(session, source_id)
    if source is None:
        return None
    source.consecutive_failures += 1
    since = utc(source.failing_since) if source.failing_since else now
    source.failing_since = since
    if source.consecutive_failures >= 2 and now - since >= DISCONNECT_AFTER:
        end_connection(
            session,
            source=source,
            status=SourceStatus.disconnected,
            reason=silent_reason(since),
            now=now,
            links=links,
            forget_tokens=False,
        )
    else:
        set_status(
            session,
            source=source,
            status=SourceStatus.degraded,
            reason=no_answer_reason(now),
            now=now,
        )
    session.add(source)
    return source.workspace_id


def record_refused(
    session: Session, *, source_id: int, reason: str, now: datetime, links: notifications.Links
) -> int | None:
    """TikTok says the grant is gone: the connection ends. The workspace id, if it changed."""
    source = live_source(session, source_id)
    if source is None:
        return None
    event = end_connection(
        session,
        source=source,
        status=SourceStatus.disconnected,
        reason=reason,
        now=now,
        links=links,
        forget_tokens=True,
    )
    return source.workspace_id if event is not None else None
