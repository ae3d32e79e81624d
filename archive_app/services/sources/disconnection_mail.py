"""Telling people a TikTok connection broke: one email per member per outage.

The pop-up half of an episode is shown from the source's ``alert_event_id`` (see live.py);
this module queues the mail. Sources of one workspace that end within ``OUTAGE`` of each other
are one outage and make one mail per member listing each, with its own ``Reconnect``: one
TikTok account connected as v.1 and v.2 and revoked once ends twice, through two webhooks, yet
is one thing to fix. So a mail waits ``HOLD`` before it is due, and a source that ends while a
mail of its outage is still waiting is added to that mail instead of making another.

Each episode is told once: a retried job or a replayed webhook starts no new episode
(``set_status`` changes nothing), and the first mail of an outage has the outbox key of its
(source, episode, address). Only people with access now are written to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from archive_app import paths
from archive_app.integrations.tiktok.kinds import KindSpec, spec
from archive_app.mail.disconnection import EndedSource, outage_message
from archive_app.mail.messages import EmailMessage
from archive_app.models.notifications import OutboxEmail, OutboxStatus
from archive_app.models.sources import Source, SourceStatus
from archive_app.models.workspaces import Workspace
from archive_app.services import outbox
from archive_app.services.team import member_emails

# Sources of a workspace that end within a minute of the first are one outage, one mail.
OUTAGE = timedelta(minutes=1)
# How long the first mail of an outage waits for the rest of it (the pop-up and the red badge
# are at once; two webhooks of one revocation arrive within a second).
HOLD = timedelta(seconds=15)
KEY_PREFIX = "disconnected:"
ENDED = (SourceStatus.disconnected.value, SourceStatus.expired.value)


@dataclass(frozen=True)
class Links:
    """Where emails point: the app's public address and the help article."""

    base_url: str
    help_url: str

    def reconnect(self, source_id: int) -> str:
        return self.base_url + paths.reconnect(source_id)


def consequences(kind: KindSpec) -> tuple[str, ...]:
    """What a source of this kind stops doing until it is reconnected: from the kinds table,
    so a kind that never sent DMs is not said to stop sending them."""
    found = "mention or tag" if kind.detects_tags else "mention"
    stops = [f"find new videos that {found} your brand through it"]
    if kind.can_send_dms:
        stops.append("send usage-rights requests as DMs from it (new requests wait in the queue)")
    return (
        "Until you reconnect it, Archive cannot " + " or ".join(stops) + ".",
        f"Reconnecting starts a new {kind.reconnect_days}-day connection.",
    )


def announce_disconnection(
    session: Session, *, source: Source, episode_id: int, now: datetime, links: Links
) -> int:
    """Queue the ``[ACTION REQUIRED]`` email to every member, or add this source to the one of
    its outage still waiting. Returns how many members will be told."""
    assert source.id is not None
    workspace = session.get(Workspace, source.workspace_id)
    assert workspace is not None
    addresses = member_emails(session, workspace_id=source.workspace_id)
    for address in addresses:
        if _join_waiting_mail(session, workspace=workspace, address=address, now=now, links=links):
            continue
        outbox.enqueue(
            session,
            message=_message(workspace, address, [source], links),
            dedupe_key=f"{KEY_PREFIX}{source.id}:{episode_id}:{address}",
            now=now,
            workspace_id=source.workspace_id,
            due_at=now + HOLD,
        )
    return len(addresses)


def withdraw_reconnected(session: Session, *, source: Source, now: datetime, links: Links) -> None:
    """``source`` is working again: each outage mail still waiting (its hold) lists only the
    sources still ended, and one with none left is cancelled. Nobody is told of a break that
    was fixed before the mail went out."""
    for waiting in _waiting_mails(session, workspace_id=source.workspace_id, now=now):
        ended = _ended_since(session, workspace_id=source.workspace_id, since=waiting.created_at)
        workspace = session.get(Workspace, source.workspace_id)
        assert workspace is not None and waiting.id is not None
        if ended:
            message = _message(workspace, waiting.to_address, ended, links)
            _rewrite(session, waiting.id, text_body=message.text, html_body=message.html)
        else:
            _rewrite(
                session,
                waiting.id,
                status=OutboxStatus.cancelled.value,
                last_error=f"@{source.handle} was reconnected before the mail went out",
            )


def _join_waiting_mail(
    session: Session, *, workspace: Workspace, address: str, now: datetime, links: Links
) -> bool:
    """Rewrite the waiting mail of this outage to list every source ended since it was queued
    (this one too). False when there is none, or the outbox took it meanwhile."""
    assert workspace.id is not None
    waiting = next(
        iter(_waiting_mails(session, workspace_id=workspace.id, now=now, address=address)), None
    )
    if waiting is None or waiting.id is None:
        return False
    ended = _ended_since(session, workspace_id=workspace.id, since=waiting.created_at)
    message = _message(workspace, address, ended, links)
    return _rewrite(session, waiting.id, text_body=message.text, html_body=message.html)


def _waiting_mails(
    session: Session, *, workspace_id: int, now: datetime, address: str | None = None
) -> list[OutboxEmail]:
    """The outage mails of a workspace still in their hold (pending, never tried), newest first."""
    query = select(OutboxEmail).where(
        OutboxEmail.workspace_id == workspace_id,
        col(OutboxEmail.dedupe_key).startswith(KEY_PREFIX),
        OutboxEmail.status == OutboxStatus.pending.value,
        OutboxEmail.attempts == 0,
        col(OutboxEmail.created_at) >= now - OUTAGE,
    )
    if address is not None:
        query = query.where(OutboxEmail.to_address == address)
    return list(session.exec(query.order_by(col(OutboxEmail.created_at).desc())).all())


def _ended_since(session: Session, *, workspace_id: int, since: datetime) -> list[Source]:
    return list(
        session.exec(
            select(Source)
            .where(
                Source.workspace_id == workspace_id,
                col(Source.status).in_(ENDED),
                col(Source.alert_event_id).is_not(None),
                col(Source.status_changed_at) >= since,
            )
            .order_by(col(Source.created_at), col(Source.id))
        ).all()
    )


def _rewrite(session: Session, mail_id: int, **values: str) -> bool:
    """Change a waiting mail unless the outbox took it meanwhile (then: False)."""
    result = session.execute(
        update(OutboxEmail)
        .where(
            col(OutboxEmail.id) == mail_id,
            col(OutboxEmail.status) == OutboxStatus.pending.value,
            col(OutboxEmail.attempts) == 0,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def _message(
    workspace: Workspace, address: str, sources: list[Source], links: Links
) -> EmailMessage:
    listed = [
        EndedSource(
            handle=s.handle,
            kind_name=spec(s.kind).display_name,
            reason=s.status_reason,
            reconnect_url=links.reconnect(s.id or 0),
            notes=consequences(spec(s.kind)),
        )
        for s in sources
    ]
    return outage_message(
        to=address, workspace_name=workspace.name, sources=listed, help_url=links.help_url
    )
