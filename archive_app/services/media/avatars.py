"""Avatars kept like covers (a leftover of issue 22): each source's and creator's TikTok avatar
is fetched once into the media store, and pages show Archive's copy, never TikTok's URL (the
CSP lets a browser load images from Archive only). A page reads one column, the owner's
``avatar_key``, through :func:`avatar_url`; "" (initials) while no copy is kept.

The ``fetch_covers`` job calls :func:`fetch_due` after the covers. :func:`sync` gives every
owner with a TikTok URL an ``AvatarFetch`` row, and follows a changed URL: another picture
(another path) clears ``avatar_key`` and is fetched anew; the same picture with a fresh
signature only updates the URL (and makes a failed row due now). Due rows are fetched as
covers are: the same limits, ``fetch.py`` judging the bytes, the covers' retry schedule, and
only an https URL (or the simulator's own origin outside production). A stored source avatar
records ``SourcesChanged``, so open Sources tabs show it at once; the copy it replaces is
deleted from the store.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import httpx
from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from archive_app import events
from archive_app.db import Db
from archive_app.integrations.tiktok.mentions import safe_url
from archive_app.models.media import AvatarFetch, CoverStatus, MediaKind, MediaObject
from archive_app.models.mentions import Creator
from archive_app.models.sources import Source
from archive_app.services.media.covers import BATCH, retry_later
from archive_app.services.media.fetch import (
    CoverImage,
    CoverRefused,
    FetchLimits,
    fetch_and_store,
    in_batches,
)
from archive_app.services.media.store import MediaStore

log = logging.getLogger(__name__)

AVATAR_PATH = "/media/avatars/"
# The owners of avatars: (model, its column on AvatarFetch, the letter its file names start with).
OWNERS: tuple[tuple[type[Source] | type[Creator], str, str], ...] = (
    (Source, "source_id", "s"),
    (Creator, "creator_id", "c"),
)


@dataclass(frozen=True)
class AvatarJob:
    fetch_id: int
    workspace_id: int
    owner: str  # "s<source id>" or "c<creator id>"
    url: str
    attempts: int


@dataclass
class AvatarsResult:
    stored: int = 0
    failed: int = 0
    workspace_ids: set[int] = field(default_factory=set)

    def summary(self) -> dict[str, int]:
        return {"avatars_stored": self.stored, "avatars_failed": self.failed}


def avatar_url(key: str) -> str:
    """Where a page finds a kept avatar: ``/media/avatars/<s|c><owner>-<digest>.<ext>`` (the
    digest makes it immutable; ``api/media.py`` checks the viewer); "" when none is kept."""
    return AVATAR_PATH + key.rsplit("/", 1)[-1] if key else ""


def avatar_key(workspace_id: int, owner: str, image: CoverImage) -> str:
    digest = hashlib.sha256(image.body).hexdigest()
    return f"w{workspace_id}/avatars/{owner}-{digest[:16]}.{image.extension}"


def same_picture(old: str, new: str) -> bool:
    """TikTok signs its avatar URLs: a fresh signature (query) of the same path is the same
    picture."""
    return bool(old and new) and urlsplit(old).path == urlsplit(new).path


def _owner_of(fetch: AvatarFetch) -> tuple[type[Source] | type[Creator], int, str]:
    if fetch.source_id is not None:
        return Source, fetch.source_id, f"s{fetch.source_id}"
    return Creator, fetch.creator_id or 0, f"c{fetch.creator_id}"


def sync(session: Session, *, limit: int = 1000) -> int:
    """Rows for owners that have none, and rows whose owner's URL changed; how many."""
    changed = 0
    for model, column, _ in OWNERS:
        owner_id = getattr(AvatarFetch, column)
        rows = session.exec(
            select(col(model.id), col(model.workspace_id), col(model.avatar_url), AvatarFetch)
            .outerjoin(AvatarFetch, col(owner_id) == col(model.id))
            .where(
                or_(
                    and_(col(AvatarFetch.id).is_(None), col(model.avatar_url) != ""),
                    col(AvatarFetch.url) != col(model.avatar_url),
                )
            )
            .limit(limit)
        ).all()
        for oid, workspace_id, url, fetch in rows:
            changed += 1
            if fetch is None:
                session.add(AvatarFetch(workspace_id=workspace_id, url=url, **{column: oid}))
                continue
            if not same_picture(fetch.url, url):  # another picture, or none: no copy shows
                session.execute(update(model).where(col(model.id) == oid).values(avatar_key=""))
                fetch.status, fetch.attempts = CoverStatus.pending, 0
            if fetch.status != CoverStatus.stored:
                fetch.next_try_at, fetch.last_error = None, ""  # a fresh URL: try it now
            fetch.url = url
            session.add(fetch)
    session.flush()
    return changed


def due(session: Session, *, now: datetime, limit: int = BATCH) -> list[AvatarJob]:
    """The avatars to fetch now: not stored, never tried or due again; oldest first."""
    sync(session)
    rows = session.exec(
        select(AvatarFetch)
        .where(
            AvatarFetch.status != CoverStatus.stored,
            AvatarFetch.url != "",
            or_(col(AvatarFetch.next_try_at).is_(None), col(AvatarFetch.next_try_at) <= now),
        )
        .order_by(col(AvatarFetch.next_try_at).is_not(None), col(AvatarFetch.next_try_at))
        .limit(limit)
    ).all()
    return [AvatarJob(f.id or 0, f.workspace_id, _owner_of(f)[2], f.url, f.attempts) for f in rows]


def record_stored(
    session: Session, *, job: AvatarJob, key: str, image: CoverImage, now: datetime
) -> list[str]:
    """The owner shows ``key`` from now on; the keys of the copies it replaced (to delete)."""
    fetch = session.get(AvatarFetch, job.fetch_id)
    known = session.exec(select(MediaObject.id).where(MediaObject.key == key)).first()
    if fetch is None or not same_picture(fetch.url, job.url):
        # The owner is gone, or shows another picture now: this new file is nobody's.
        return [] if known is not None else [key]
    model, owner_id, owner = _owner_of(fetch)
    if known is None:
        session.add(
            MediaObject(
                workspace_id=job.workspace_id,
                kind=MediaKind.avatar,
                key=key,
                content_type=image.content_type,
                size_bytes=len(image.body),
                sha256=hashlib.sha256(image.body).hexdigest(),
                created_at=now,
            )
        )
    replaced = session.exec(
        select(MediaObject).where(
            MediaObject.workspace_id == job.workspace_id,
            MediaObject.kind == MediaKind.avatar,
            col(MediaObject.key).startswith(f"w{job.workspace_id}/avatars/{owner}-"),
            MediaObject.key != key,
        )
    ).all()
    for old in replaced:
        session.delete(old)
    session.execute(update(model).where(col(model.id) == owner_id).values(avatar_key=key))
    fetch.status, fetch.attempts = CoverStatus.stored, job.attempts + 1
    fetch.next_try_at, fetch.last_error = None, ""
    session.add(fetch)
    if model is Source:
        events.record(session, events.SourcesChanged(workspace_id=job.workspace_id))
    return [old.key for old in replaced]


def record_failed(session: Session, *, job: AvatarJob, reason: str, now: datetime) -> None:
    fetch = session.get(AvatarFetch, job.fetch_id)
    if fetch is None or not same_picture(fetch.url, job.url):
        return
    retry_later(fetch, attempts=job.attempts, reason=reason, now=now)
    session.add(fetch)


async def fetch_due(
    db: Db,
    *,
    store: MediaStore,
    now: datetime,
    base_url: str = "",
    http_origin: str = "",
    transport: httpx.AsyncBaseTransport | None = None,
    limits: FetchLimits = FetchLimits(),
    batch: int = BATCH,
    max_batches: int = 40,
) -> AvatarsResult:
    """Fetch the avatars that are due. ``http_origin``: where a plain-http URL may come from
    (the simulator's origin outside production; none in production)."""
    result = AvatarsResult()

    async def keep(client: httpx.AsyncClient, job: AvatarJob) -> None:
        try:
            url = job.url
            if not (base_url and url.startswith("/")):
                url = safe_url(url, field="avatar", http_origin=http_origin)
            if not url:
                raise CoverRefused("the avatar URL is not https", transient=False)
            image, key = await fetch_and_store(
                client,
                store,
                url,
                key_of=lambda image: avatar_key(job.workspace_id, job.owner, image),
                base_url=base_url,
                limits=limits,
            )
        except CoverRefused as exc:
            reason = exc.reason
            log.info("avatar of %s not kept: %s", job.owner, reason)
            await db(lambda s: record_failed(s, job=job, reason=reason, now=now))
            result.failed += 1
            return
        stale = await db(lambda s: record_stored(s, job=job, key=key, image=image, now=now))
        await _delete(store, stale)
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


async def _delete(store: MediaStore, keys: list[str]) -> None:
    for key in keys:
        try:
            await asyncio.to_thread(store.delete, key)
        except OSError as exc:  # a file left behind costs space, not correctness
            log.warning("could not delete the replaced avatar %s: %s", key, exc)
