"""Covers kept (issue 22, item 1): each mention's cover is fetched once into the media store,
and pages show Archive's copy, never TikTok's URL (which expires).

The ``fetch_covers`` job calls :func:`fetch_due`: it gives every mention without a
``CoverFetch`` row one (so a mention from a poll, a webhook or the demo seed is covered alike),
takes the rows that are due, fetches them with bounded concurrency (``fetch.py`` judges the
bytes), writes each file to the store off the event loop, then records the outcome. A failure
is retried later, sooner first (1, 5, 30 minutes, 2 and 6 hours, then once a day), with the
mention's current URL: a later sighting of the video brings a fresh one. Safe to run twice:
a row already ``stored`` is never due, and the key names its bytes.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy import insert, or_
from sqlmodel import Session, col, select

from archive_app.db import Db
from archive_app.models.media import AvatarFetch, CoverFetch, CoverStatus, MediaKind, MediaObject
from archive_app.models.mentions import Mention
from archive_app.services.among import among
from archive_app.services.media.fetch import (
    CoverImage,
    CoverRefused,
    FetchLimits,
    fetch_and_store,
    in_batches,
)
from archive_app.services.media.store import MediaStore

log = logging.getLogger(__name__)

BATCH = 50
RETRY_AFTER = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(days=1),
)
COVER_PATH = "/media/covers/"


@dataclass(frozen=True)
class CoverJob:
    mention_id: int
    workspace_id: int
    url: str
    attempts: int


@dataclass
class CoversResult:
    stored: int = 0
    failed: int = 0
    workspace_ids: set[int] = field(default_factory=set)

    def summary(self) -> dict[str, int]:
        return {"stored": self.stored, "failed": self.failed}


def cover_key(workspace_id: int, mention_id: int, image: CoverImage) -> str:
    digest = hashlib.sha256(image.body).hexdigest()
    return f"w{workspace_id}/covers/{mention_id}-{digest[:16]}.{image.extension}"


def cover_url(key: str) -> str:
    """Where a page finds a stored cover: ``/media/covers/<mention>-<digest>.<ext>`` (the
    digest makes the URL immutable; ``api/media.py`` checks the viewer)."""
    return COVER_PATH + key.rsplit("/", 1)[-1]


def cover_urls(session: Session, mention_ids: Sequence[int]) -> dict[int, str]:
    """Archive's cover URL of each of these mentions that has one stored."""
    if not mention_ids:
        return {}
    rows = session.exec(
        select(MediaObject.mention_id, MediaObject.key).where(
            among(session, col(MediaObject.mention_id), mention_ids),
            MediaObject.kind == MediaKind.cover,
        )
    ).all()
    return {mention_id: cover_url(key) for mention_id, key in rows if mention_id is not None}


def add_missing(session: Session, *, limit: int = 5000) -> int:
    """A ``CoverFetch`` row for each mention that has none yet (due at once)."""
    missing = session.exec(
        select(Mention.id, Mention.workspace_id)
        .where(~select(CoverFetch.mention_id).where(CoverFetch.mention_id == Mention.id).exists())
        .limit(limit)
    ).all()
    if missing:
        session.execute(
            insert(CoverFetch),
            [
                {"mention_id": m, "workspace_id": w, "status": CoverStatus.pending}
                for m, w in missing
            ],
        )
    return len(missing)


def due(session: Session, *, now: datetime, limit: int = BATCH) -> list[CoverJob]:
    """The covers to fetch now: not stored, never tried or due again; oldest first."""
    add_missing(session)
    rows = session.exec(
        select(CoverFetch, Mention.thumbnail_url)
        .join(Mention, col(Mention.id) == col(CoverFetch.mention_id))
        .where(
            CoverFetch.status != CoverStatus.stored,
            or_(col(CoverFetch.next_try_at).is_(None), col(CoverFetch.next_try_at) <= now),
        )
        .order_by(col(CoverFetch.next_try_at).is_not(None), col(CoverFetch.next_try_at))
        .limit(limit)
    ).all()
    return [CoverJob(f.mention_id, f.workspace_id, url, f.attempts) for f, url in rows]


def record_stored(
    session: Session, *, job: CoverJob, key: str, image: CoverImage, now: datetime
) -> None:
    fetch = session.get(CoverFetch, job.mention_id)
    if fetch is None or session.get(Mention, job.mention_id) is None:
        return  # the mention (or its workspace) was deleted meanwhile
    stored = MediaObject(
        workspace_id=job.workspace_id,
        kind=MediaKind.cover,
        key=key,
        content_type=image.content_type,
        size_bytes=len(image.body),
        sha256=hashlib.sha256(image.body).hexdigest(),
        mention_id=job.mention_id,
        created_at=now,
    )
    existing = session.exec(select(MediaObject).where(MediaObject.key == key)).first()
    if existing is None:
        session.add(stored)
        session.flush()
    target = existing or stored
    fetch.status, fetch.object_id = CoverStatus.stored, target.id
    fetch.attempts, fetch.next_try_at, fetch.last_error = job.attempts + 1, None, ""
    session.add(fetch)


def record_failed(session: Session, *, job: CoverJob, reason: str, now: datetime) -> None:
    fetch = session.get(CoverFetch, job.mention_id)
    if fetch is None:
        return
    retry_later(fetch, attempts=job.attempts, reason=reason, now=now)
    session.add(fetch)


def retry_later(
    fetch: CoverFetch | AvatarFetch, *, attempts: int, reason: str, now: datetime
) -> None:
    """A failed try (covers and avatars alike): due again after the next step of RETRY_AFTER."""
    fetch.attempts = attempts + 1
    fetch.status = CoverStatus.failed
    fetch.next_try_at = now + RETRY_AFTER[min(attempts, len(RETRY_AFTER) - 1)]
    fetch.last_error = reason[:200]


async def fetch_due(
    db: Db,
    *,
    store: MediaStore,
    now: datetime,
    base_url: str = "",
    transport: httpx.AsyncBaseTransport | None = None,
    limits: FetchLimits = FetchLimits(),
    batch: int = BATCH,
    max_batches: int = 40,
) -> CoversResult:
    """Fetch the covers that are due (up to ``batch`` × ``max_batches`` per run)."""
    result = CoversResult()

    async def keep(client: httpx.AsyncClient, job: CoverJob) -> None:
        try:
            image, key = await fetch_and_store(
                client,
                store,
                job.url,
                key_of=lambda image: cover_key(job.workspace_id, job.mention_id, image),
                base_url=base_url,
                limits=limits,
            )
        except CoverRefused as exc:
            reason = exc.reason
            log.info("cover of mention %d not kept: %s", job.mention_id, reason)
            await db(lambda s: record_failed(s, job=job, reason=reason, now=now))
            result.failed += 1
            return
        await db(lambda s: record_stored(s, job=job, key=key, image=image, now=now))
        result.stored += 1
        result.workspace_ids.add(job.workspace_id)

    await in_batches(
        lambda limit: db(lambda s: due(s, now=now, limit=limit)),
        keep,
        transport=transport,
        limits=limits,
        batch=batch,
        max_batches=max_batches,
    )
    return result
