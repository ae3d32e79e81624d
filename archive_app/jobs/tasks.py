"""The jobs: one explicit table, ``JOBS``. Each row names a job, how often it runs, and its
``run(deps)``, which is thin: call one service off the event loop, return counts.

Blocking work (SMTP, sync SQL) runs in a thread (``deps.db``) so the event loop that serves
the websockets never waits on it. Every job is safe to run twice. A new job is a new row here;
nothing registers itself on import.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from archive_app.deps import Deps
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.integrations.tiktok.mentions import media_origin
from archive_app.services import outbox
from archive_app.services.media import avatars as media_avatars
from archive_app.services.media import covers as media_covers
from archive_app.services.media import videos as media_videos
from archive_app.services.mentions import poll as mention_poll
from archive_app.services.rights import retry as rights_retry
from archive_app.services.rights import spark_reminders
from archive_app.services.rights.link import links_for
from archive_app.services.sources import health_check, reminder_schedule
from archive_app.services.sources import refresh as token_refresh

JobRun = Callable[[Deps], Awaitable[Mapping[str, Any] | None]]


@dataclass(frozen=True)
class JobSpec:
    name: str
    every: timedelta
    run: JobRun

    def __post_init__(self) -> None:
        if self.every <= timedelta(0):
            raise ValueError("every must be positive")


DRAIN_OUTBOX = "drain_outbox"


async def drain_outbox(deps: Deps) -> dict[str, int]:
    """Send the mail that is due (see services/outbox.py for the at-most-once rules)."""
    now = deps.clock.now()
    result = await deps.db.off_loop(
        lambda engine: outbox.drain(engine, sender=deps.mail, now=now, stop=deps.stopping.is_set)
    )
    return asdict(result)


RETRY_QUEUED_DMS = "retry_queued_dms"


async def retry_queued_dms(deps: Deps) -> dict[str, int]:
    """Send the queued usage-rights requests whose reason may have gone away (at most once:
    services/rights/send.py; open tabs hear of each change through RightsChanged)."""
    now = deps.clock.now()
    result = await rights_retry.retry_queued(
        deps.db,
        now=now,
        gateway=deps.gateway(Kind.tiktok_v1),
        cipher=deps.cipher,
        links=links_for(deps.settings.public_url, deps.cipher),
    )
    return {"tried": result.tried, "sent": result.sent, "queued": result.queued}


POLL_MENTIONS = "poll_mentions"


async def poll_mentions(deps: Deps, source_ids: set[int] | None = None) -> dict[str, int]:
    """Read every connected source's mentions at TikTok (or only ``source_ids``: a source that
    was just connected, see ``scheduler.request_poll``); open Feed tabs of a workspace that got
    new ones hear about it at once."""
    now = deps.clock.now()
    outcome = await mention_poll.poll_all(
        deps.db, deps.gateway, cipher=deps.cipher, now=now, source_ids=source_ids
    )
    return outcome.summary()


async def refresh_tokens(deps: Deps) -> dict[str, int]:
    """Refresh access tokens that expire soon (services/sources/refresh.py)."""
    result = await token_refresh.refresh_due(
        deps.db, deps.gateway, cipher=deps.cipher, now=deps.clock.now(), links=deps.links
    )
    return result.counts()


async def check_sources(deps: Deps) -> dict[str, int]:
    """Expire sources past their deadline, ask TikTok about the rest
    (services/sources/health_check.py)."""
    result = await health_check.check_sources(
        deps.db, deps.gateway, cipher=deps.cipher, now=deps.clock.now(), links=deps.links
    )
    return result.counts()


async def send_reminders(deps: Deps) -> dict[str, int]:
    """Queue the reconnection reminders due now (services/sources/reminder_schedule.py)."""
    now, links = deps.clock.now(), deps.links
    queued = await deps.db(lambda s: reminder_schedule.send_due(s, now=now, links=links))
    return {"queued": queued}


async def spark_code_reminders(deps: Deps) -> dict[str, int]:
    """Queue the Spark Ads code expiry reminders due now (services/rights/spark_reminders.py)."""
    now, base_url = deps.clock.now(), deps.settings.public_url
    queued = await deps.db(lambda s: spark_reminders.send_due(s, now=now, base_url=base_url))
    return {"queued": queued}


FETCH_COVERS = "fetch_covers"


async def fetch_covers(deps: Deps) -> dict[str, int]:
    """Keep the covers of new mentions and the avatars of sources and creators, and retry those
    not kept yet (services/media/covers.py, services/media/avatars.py)."""
    base = "" if deps.settings.is_production else deps.settings.public_url
    now = deps.clock.now()
    covers = await media_covers.fetch_due(deps.db, store=deps.media, now=now, base_url=base)
    avatars = await media_avatars.fetch_due(
        deps.db,
        store=deps.media,
        now=now,
        base_url=base,
        http_origin=media_origin(deps.settings),
    )
    return covers.summary() | avatars.summary()


async def check_videos(deps: Deps) -> dict[str, int]:
    """Mark the videos deleted on TikTok (services/media/videos.py)."""
    result = await media_videos.check_due(
        deps.db, oembed_url=deps.settings.tiktok_oembed_url, now=deps.clock.now()
    )
    return result.summary()


JOBS: tuple[JobSpec, ...] = (
    JobSpec(DRAIN_OUTBOX, timedelta(seconds=5), drain_outbox),
    JobSpec(RETRY_QUEUED_DMS, timedelta(minutes=1), retry_queued_dms),
    JobSpec(POLL_MENTIONS, timedelta(minutes=10), poll_mentions),
    JobSpec("refresh_tokens", timedelta(minutes=5), refresh_tokens),
    JobSpec("check_sources", timedelta(minutes=15), check_sources),
    JobSpec("send_reminders", timedelta(hours=1), send_reminders),
    JobSpec(FETCH_COVERS, timedelta(seconds=30), fetch_covers),
    JobSpec("check_videos", timedelta(hours=1), check_videos),
    JobSpec("spark_code_reminders", timedelta(hours=1), spark_code_reminders),
)
