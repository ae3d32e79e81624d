"""The one dispatcher: what each domain event (``events.py``) causes, after its commit.

Services record what happened on the unit of work; ``db.SessionRunner`` hands the events of a
committed unit here. This module alone decides the effects:

====================  ===================================================================
event                 effects
====================  ===================================================================
SourcesChanged        the workspace's open tabs show the new Sources view (pop-up, badge)
SourceConnected       the same, and that source's mentions are read now (``poll_mentions``);
                      its avatar is kept now (``fetch_covers`` keeps avatars too)
MentionsAdded         open Feed tabs count the new mentions (``Topic.mentions``; no view);
                      their covers are fetched now (``fetch_covers``)
RightsChanged         open Manage Rights / Feed / creator tabs re-read (``Topic.rights``)
MembersChanged        new view: member count; tabs of ended sessions go to the login page
MailQueued            the outbox is drained now (``drain_outbox``), not at its next tick
====================  ===================================================================

Job requests go through ``jobs/scheduler.request_job``: a durable row the leader takes, so
they work from any replica. No other module calls ``live.announce`` or requests a job (an
architecture test keeps it so). The audit log and outbound webhooks will hang here too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from archive_app import events, live
from archive_app.deps import Deps
from archive_app.jobs import scheduler
from archive_app.jobs.tasks import DRAIN_OUTBOX, FETCH_COVERS, POLL_MENTIONS
from archive_app.services.job_requests import ALL


@dataclass
class WorkspaceEffects:
    view: bool = False
    topics: set[live.Topic] = field(default_factory=set)


@dataclass
class Plan:
    workspaces: dict[int, WorkspaceEffects] = field(default_factory=dict)
    jobs: list[tuple[str, str]] = field(default_factory=list)

    def tabs(self, workspace_id: int) -> WorkspaceEffects:
        return self.workspaces.setdefault(workspace_id, WorkspaceEffects())

    def job(self, name: str, target: str = ALL) -> None:
        if (name, target) not in self.jobs:
            self.jobs.append((name, target))


def plan(recorded: Sequence[events.Event]) -> Plan:
    """The effects of some events, coalesced (one announcement per workspace, one request per
    job and target). Pure: tests read it without tabs or a scheduler."""
    out = Plan()
    for event in recorded:
        match event:
            case events.SourcesChanged(workspace_id=ws) | events.MembersChanged(workspace_id=ws):
                out.tabs(ws).view = True
            case events.SourceConnected(workspace_id=ws, source_id=source_id):
                out.tabs(ws).view = True
                out.job(POLL_MENTIONS, str(source_id))
                out.job(FETCH_COVERS)  # its avatar is kept now: pages show Archive's copy
            case events.MentionsAdded(workspace_id=ws):
                out.tabs(ws).topics.add(live.Topic.mentions)
                out.job(FETCH_COVERS)  # their covers are kept now, before TikTok's URLs expire
            case events.RightsChanged(workspace_id=ws):
                out.tabs(ws).topics.add(live.Topic.rights)
            case events.MailQueued():
                out.job(DRAIN_OUTBOX)
    return out


async def dispatch(recorded: Sequence[events.Event], *, deps: Deps) -> None:
    effects = plan(recorded)
    for name, target in effects.jobs:  # first: the mail goes while the tabs are told
        scheduler.request_job(name, target)
    now = deps.clock.now()
    for workspace_id, tabs in sorted(effects.workspaces.items()):
        await live.announce(
            workspace_id, now=now, view=tabs.view, topics=sorted(tabs.topics, key=str)
        )


def install(deps: Deps) -> None:
    """Called once per process on its event loop (archive_app.py's lifespan)."""
    loop = asyncio.get_running_loop()

    async def handler(recorded: Sequence[events.Event]) -> None:
        await dispatch(recorded, deps=deps)

    deps.db.after_commit.install(handler, loop)
