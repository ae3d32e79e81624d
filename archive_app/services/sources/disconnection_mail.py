"""Telling people a TikTok connection broke: one email per member per disconnection episode.

The pop-up half of an episode is shown from the source's ``alert_event_id`` (see live.py);
this module queues the mail. Each (source, episode, address) gets one outbox row, so a retried
job, a replayed webhook or a restart never sends the alert twice. Only people with access now
are written to: a removed member gets nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from archive_app import paths
from archive_app.integrations.tiktok.kinds import spec
from archive_app.mail.messages import disconnection_message
from archive_app.models.sources import Source
from archive_app.models.workspaces import Workspace
from archive_app.services import outbox
from archive_app.services.team import member_emails


@dataclass(frozen=True)
class Links:
    """Where emails point: the app's public address and the help article."""

    base_url: str
    help_url: str

    def reconnect(self, source_id: int) -> str:
        return self.base_url + paths.reconnect(source_id)


def announce_disconnection(
    session: Session, *, source: Source, episode_id: int, now: datetime, links: Links
) -> int:
    """Queue the ``[ACTION REQUIRED]`` email to every member. Returns how many were queued."""
    assert source.id is not None
    workspace = session.get(Workspace, source.workspace_id)
    assert workspace is not None
    addresses = member_emails(session, workspace_id=source.workspace_id)
    for address in addresses:
        outbox.enqueue(
            session,
            message=disconnection_message(
                to=address,
                workspace_name=workspace.name,
                source_handle=source.handle,
                source_kind_name=spec(source.kind).display_name,
                reason=source.status_reason,
                reconnect_url=links.reconnect(source.id),
                help_url=links.help_url,
            ),
            dedupe_key=f"disconnected:{source.id}:{episode_id}:{address}",
            now=now,
            workspace_id=source.workspace_id,
        )
    return len(addresses)
