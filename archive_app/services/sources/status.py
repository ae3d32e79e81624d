"""Sources: the workspace's connected TikTok accounts, what they show, and their transitions.

Status: ``connecting → active ⇄ degraded → disconnected`` and ``active → expired`` at the
deadline (DESIGN.md section 3). Every change goes through :func:`set_status`, which records
when and why in ``SourceEvent``; the reason is written for people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from archive_app import dates, events
from archive_app.clock import utc
from archive_app.crypto import TokenCipher
from archive_app.integrations.tiktok.kinds import Kind, spec
from archive_app.integrations.tiktok.kinds import deadline as kind_deadline
from archive_app.integrations.tiktok.protocol import Profile, TokenSet
from archive_app.models.sources import ReminderRecipient, Source, SourceEvent, SourceStatus
from archive_app.models.workspaces import User
from archive_app.services.errors import InvalidInput, NotFound, WrongAccount
from archive_app.services.media.avatars import avatar_url
from archive_app.services.sources.reminder_schedule import STEPS, reminder_plan

# The days-left rule lives with the reminder schedule; callers find it here too.
from archive_app.services.sources.reminder_schedule import days_left as days_left
from archive_app.services.sources.reminders import clean_reminder_emails, set_reminder_emails
from archive_app.services.team import require_member

# A source turns amber this many days before it must be reconnected.
NEAR_DEADLINE_DAYS = 14


@dataclass(frozen=True)
class SourceRow:
    source_id: int
    kind: str
    kind_name: str
    handle: str
    display_name: str
    avatar_url: str
    status: str
    status_label: str
    badge: str  # green | amber | red | gray
    days_remaining: int | None
    connected_at: datetime | None
    connected_by: str
    reason: str
    reminder_emails: tuple[str, ...]
    # Set while people are being told this source disconnected (the pop-up's key).
    alert_event_id: int | None = None
    # When TikTok last answered a check or a refresh (services/sources/health.py).
    last_checked_at: datetime | None = None
    # The next reconnection reminder (v.1 with addresses): when, and days before the deadline.
    next_reminder_at: datetime | None = None
    next_reminder_step: int | None = None
    # From the kinds table: (re)connects by QR code (else a consent page); has reminders.
    connects_by_qr: bool = False
    has_reminders: bool = False
    # Still working but near its deadline (amber, or within the first reminder's reach for a
    # kind with reminders): the row offers Reconnect, which renews it before it ends.
    renewable: bool = False


def _badge(source: Source, remaining: int | None) -> tuple[str, str]:
    status = SourceStatus(source.status)
    if status == SourceStatus.disconnected:
        return "red", "Disconnected"
    if status == SourceStatus.expired:
        # The spec's one red status for any ended connection; that the 180 (or 360) days ran
        # out is said by the reason ("The 180-day connection ended") and kept in the status.
        return "red", "Disconnected"
    if status == SourceStatus.connecting:
        return "gray", "Connecting"
    if status == SourceStatus.degraded:
        return "amber", "Active"
    if remaining is not None and remaining <= NEAR_DEADLINE_DAYS:
        return "amber", "Active"
    return "green", "Active"


def _renewable(source: Source, badge: str, remaining: int | None) -> bool:
    """What the reminders are about: a live source that is amber, or (a kind with reminders)
    within the first reminder's days of its deadline."""
    if remaining is None:
        return False
    return badge == "amber" or (spec(source.kind).has_reminders and remaining <= max(STEPS))


def list_sources(
    session: Session, *, workspace_id: int, user_id: int, now: datetime
) -> list[SourceRow]:
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    return workspace_source_rows(session, workspace_id=workspace_id, now=now)


def workspace_source_rows(session: Session, *, workspace_id: int, now: datetime) -> list[SourceRow]:
    """The rows of one workspace, for the system (webhooks, jobs): no viewer to check."""
    sources = session.exec(
        select(Source)
        .where(Source.workspace_id == workspace_id, Source.status != SourceStatus.connecting)
        .order_by(col(Source.created_at), col(Source.id))
    ).all()
    ids = [s.id for s in sources]
    recipients: dict[int, list[str]] = {}
    for r in session.exec(
        select(ReminderRecipient)
        .where(col(ReminderRecipient.source_id).in_(ids))
        .order_by(col(ReminderRecipient.id))
    ).all():
        recipients.setdefault(r.source_id, []).append(r.email)
    people = {
        u.id: u.email
        for u in session.exec(
            select(User).where(col(User.id).in_({s.connected_by_id for s in sources}))
        ).all()
    }
    plan = reminder_plan(session, list(sources), now)
    rows = []
    for s in sources:
        assert s.id is not None
        live = s.status in (SourceStatus.active, SourceStatus.degraded)
        remaining = days_left(s.deadline_at, now) if live else None
        badge, label = _badge(s, remaining)
        reason = s.status_reason
        if not reason and badge == "amber" and s.deadline_at is not None:
            reason = f"Reconnect before {dates.day(s.deadline_at)} to keep it connected"
        reminder = plan.get(s.id)
        rows.append(
            SourceRow(
                source_id=s.id,
                kind=s.kind,
                kind_name=spec(s.kind).display_name,
                connects_by_qr=spec(s.kind).connect_flow == "qr",
                has_reminders=spec(s.kind).has_reminders,
                handle=s.handle,
                display_name=s.display_name,
                avatar_url=avatar_url(s.avatar_key),  # Archive's copy, never TikTok's
                status=s.status,
                status_label=label,
                badge=badge,
                days_remaining=remaining,
                connected_at=utc(s.connected_at) if s.connected_at else None,
                connected_by=people.get(s.connected_by_id, "") if s.connected_by_id else "",
                reason=reason,
                reminder_emails=tuple(recipients.get(s.id, [])),
                alert_event_id=s.alert_event_id,
                last_checked_at=utc(s.last_checked_at) if s.last_checked_at else None,
                next_reminder_at=reminder.at if reminder else None,
                next_reminder_step=reminder.step if reminder else None,
                renewable=_renewable(s, badge, remaining),
            )
        )
    return rows


def get_source(session: Session, *, workspace_id: int, user_id: int, source_id: int) -> Source:
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    source = session.get(Source, source_id)
    if source is None or source.workspace_id != workspace_id:
        raise NotFound("That source is not in this workspace.")
    return source


def update_reminders(
    session: Session, *, workspace_id: int, user_id: int, source_id: int, emails: list[str]
) -> list[str]:
    source = get_source(session, workspace_id=workspace_id, user_id=user_id, source_id=source_id)
    if not spec(source.kind).has_reminders:  # only v.1 has the 180-day reminder flow
        raise InvalidInput("Reminders are for TikTok Account v.1 sources.")
    cleaned = clean_reminder_emails(emails)
    set_reminder_emails(session, source=source, emails=cleaned)
    events.record(session, events.SourcesChanged(workspace_id=workspace_id))
    return cleaned


def set_status(
    session: Session,
    *,
    source: Source,
    status: SourceStatus,
    reason: str,
    now: datetime,
    user_id: int | None = None,
) -> SourceEvent | None:
    """Move a source to ``status`` and record why. Returns None when nothing changed."""
    if source.status == status and source.status_reason == reason:
        return None
    assert source.id is not None
    source.status = status
    source.status_reason = reason
    source.status_changed_at = now
    session.add(source)
    event = SourceEvent(source_id=source.id, at=now, status=status, reason=reason, user_id=user_id)
    session.add(event)
    session.flush()
    events.record(session, events.SourcesChanged(workspace_id=source.workspace_id))
    return event


def save_connection(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    kind: Kind,
    tokens: TokenSet,
    profile: Profile,
    cipher: TokenCipher,
    now: datetime,
    reconnect_source_id: int | None = None,
    reminder_emails: list[str] | None = None,
) -> Source:
    """Store a completed connection: new source, same account again, or a reconnect.

    Connecting an account that is already a source of this workspace updates that source
    instead of adding another. A reconnect of a given source refuses any other account and
    changes nothing. The new refresh token always replaces the old one (never wiped).
    """
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    source: Source | None
    if reconnect_source_id is not None:
        source = get_source(
            session, workspace_id=workspace_id, user_id=user_id, source_id=reconnect_source_id
        )
        if source.open_id != profile.open_id:
            raise WrongAccount(
                f"You logged in to TikTok as @{profile.username}, but this source is "
                f"@{source.handle}. Log in to TikTok as @{source.handle} and try again."
            )
    else:
        source = session.exec(
            select(Source).where(
                Source.workspace_id == workspace_id,
                Source.kind == kind.value,
                Source.open_id == profile.open_id,
            )
        ).first()
    if source is None:
        source = Source(
            workspace_id=workspace_id,
            kind=kind.value,
            open_id=profile.open_id,
            handle=profile.username,
            status=SourceStatus.connecting,
            status_changed_at=now,
            created_at=now,
        )
        session.add(source)
        session.flush()
    source.handle = profile.username or source.handle
    source.display_name = profile.display_name
    source.avatar_url = profile.avatar_url
    source.access_token_enc = cipher.encrypt(tokens.access_token)
    source.refresh_token_enc = cipher.encrypt(tokens.refresh_token)
    source.access_expires_at = tokens.access_expires_at
    source.refresh_expires_at = tokens.refresh_expires_at
    source.connected_at = now
    source.connected_by_id = user_id
    source.deadline_at = kind_deadline(kind, now, tokens.refresh_expires_at)
    source.consecutive_failures = 0
    source.failing_since = None
    source.last_checked_at = now  # TikTok just answered
    source.alert_event_id = None  # reconnected: the disconnection episode is over
    set_status(
        session, source=source, status=SourceStatus.active, reason="", now=now, user_id=user_id
    )
    if reminder_emails is not None and spec(kind).has_reminders:
        set_reminder_emails(session, source=source, emails=reminder_emails)
    session.flush()
    assert source.id is not None
    events.record(session, events.SourceConnected(workspace_id=workspace_id, source_id=source.id))
    return source


def access_token(session: Session, *, source: Source, cipher: TokenCipher) -> str | None:
    return cipher.decrypt(source.access_token_enc) if source.access_token_enc else None


def disconnect_locally(
    session: Session, *, source: Source, reason: str, now: datetime, user_id: int | None = None
) -> SourceEvent | None:
    """Forget the tokens and mark the source disconnected (the caller revoked at TikTok)."""
    source.access_token_enc = None
    source.refresh_token_enc = None
    source.access_expires_at = None
    source.alert_event_id = None
    return set_status(
        session,
        source=source,
        status=SourceStatus.disconnected,
        reason=reason,
        now=now,
        user_id=user_id,
    )
