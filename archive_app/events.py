"""Domain events: what happened, recorded by services on the unit of work.

A service that changes something people should see elsewhere records it here, in the same
transaction as the change: ``events.record(session, RightsChanged(workspace_id=...))``. The
unit of work (``db.SessionRunner``) takes them after a successful commit and hands them to the
one dispatcher (``archive_app/dispatch.py``), which decides the effects: which open tabs hear
about it, which jobs run now, and later the audit log and outbound webhooks. A rolled-back unit
of work has no events. No service calls ``live`` or asks for a job itself.

Events are small, frozen and compared by value, so the same one recorded twice in a unit of
work has its effects once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

_KEY = "archive_app.events"


@dataclass(frozen=True)
class SourcesChanged:
    """A source's row changed (status, reminders, label): tabs show the new Sources view."""

    workspace_id: int


@dataclass(frozen=True)
class SourceConnected:
    """A source was connected or reconnected: tabs show it, and its mentions are read now."""

    workspace_id: int
    source_id: int


@dataclass(frozen=True)
class MentionsAdded:
    """New mentions were stored: open Feed tabs count them (the Sources view is unchanged)."""

    workspace_id: int


@dataclass(frozen=True)
class RightsChanged:
    """A usage-rights request was created, sent, answered, edited or removed."""

    workspace_id: int


@dataclass(frozen=True)
class MembersChanged:
    """Who may see the workspace changed (a member removed or joined, sessions ended): open
    tabs get the new member count, and tabs of ended sessions go to the login page."""

    workspace_id: int


@dataclass(frozen=True)
class MailQueued:
    """Mail was put in the outbox: it goes now, not at the outbox's next tick."""


Event = (
    SourcesChanged | SourceConnected | MentionsAdded | RightsChanged | MembersChanged | MailQueued
)


def record(session: Session, *events: Event) -> None:
    """Record ``events`` on this unit of work; they take effect after it commits."""
    pending: list[Event] = session.info.setdefault(_KEY, [])
    for event in events:
        if event not in pending:
            pending.append(event)


def take(session: Session) -> list[Event]:
    """The events recorded on ``session`` (emptied): the unit of work calls this."""
    return list(session.info.pop(_KEY, []))
