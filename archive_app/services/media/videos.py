"""Deleted on TikTok (issue 22, item 3): is each video still there?

TikTok's mention list only drops a deleted video (and drops old ones too, so absence proves
nothing), so the ``check_videos`` job asks TikTok's public oEmbed endpoint about each mention's
link, the least checked first (each at most once a day): 200 means the video is there; 400 or
404 means it is gone, and the mention gets ``removed_at`` (its card then says "Removed from
TikTok on <date>" and keeps the saved cover). Any other answer, or none, changes nothing and
the video is asked again on a later run. A video TikTok lists again later loses its mark
(``services/mentions/ingest.py``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from archive_app.db import Db
from archive_app.models.media import CoverFetch
from archive_app.models.mentions import Mention
from archive_app.services.media.covers import add_missing

CHECK_EVERY = timedelta(days=1)
BATCH = 200
GONE = {400, 404}


@dataclass(frozen=True)
class VideoCheck:
    mention_id: int
    url: str


@dataclass
class ChecksResult:
    checked: int = 0
    removed: int = 0
    unanswered: int = 0

    def summary(self) -> dict[str, int]:
        return {"checked": self.checked, "removed": self.removed, "unanswered": self.unanswered}


def due(session: Session, *, now: datetime, limit: int = BATCH) -> list[VideoCheck]:
    """Mentions not known to be removed whose last check is a day old (or never), oldest first."""
    add_missing(session)
    rows = session.exec(
        select(Mention.id, Mention.url)
        .join(CoverFetch, col(CoverFetch.mention_id) == col(Mention.id))
        .where(
            col(Mention.removed_at).is_(None),
            Mention.url != "",
            or_(
                col(CoverFetch.video_checked_at).is_(None),
                col(CoverFetch.video_checked_at) <= now - CHECK_EVERY,
            ),
        )
        .order_by(col(CoverFetch.video_checked_at).is_not(None), col(CoverFetch.video_checked_at))
        .limit(limit)
    ).all()
    return [VideoCheck(mention_id, url) for mention_id, url in rows if mention_id is not None]


def record(session: Session, *, present: list[int], gone: list[int], now: datetime) -> None:
    checked = [*present, *gone]
    if checked:
        session.execute(
            update(CoverFetch)
            .where(col(CoverFetch.mention_id).in_(checked))
            .values(video_checked_at=now)
        )
    if gone:
        session.execute(
            update(Mention)
            .where(col(Mention.id).in_(gone), col(Mention.removed_at).is_(None))
            .values(removed_at=now)
        )


async def check_due(
    db: Db,
    *,
    oembed_url: str,
    now: datetime,
    transport: httpx.AsyncBaseTransport | None = None,
    concurrency: int = 4,
    timeout_seconds: float = 10.0,
) -> ChecksResult:
    """Ask TikTok about the videos that are due (one batch per run)."""
    result = ChecksResult()
    checks = await db(lambda s: due(s, now=now))
    present: list[int] = []
    gone: list[int] = []
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(transport=transport, timeout=timeout_seconds) as client:

        async def one(check: VideoCheck) -> None:
            async with gate:
                try:
                    answer = await client.get(oembed_url, params={"url": check.url})
                except httpx.HTTPError:
                    result.unanswered += 1
                    return
            if answer.status_code == 200:
                present.append(check.mention_id)
            elif answer.status_code in GONE:
                gone.append(check.mention_id)
            else:
                result.unanswered += 1

        await asyncio.gather(*(one(c) for c in checks))
    await db(lambda s: record(s, present=present, gone=gone, now=now))
    result.checked, result.removed = len(present) + len(gone), len(gone)
    return result
