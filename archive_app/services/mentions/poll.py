"""The ``poll_mentions`` job's work: page through each connected source's mentions at TikTok.

Each page is stored in its own unit of work as it arrives (``mentions.ingest``, idempotent), so
a failure half-way keeps what was already read and the next tick reads it again harmlessly.
Every tick reads each source's whole list (TikTok's top 1000, ``MAX_PAGES`` pages), which also
refreshes the counts of videos already known.

A failed call never changes a source's status here: a 429, a 5xx or a timeout (after the
client's own retries) is retried at the next tick, and a refused token is the health check's
and the token refresh's business (DESIGN.md section 3: one failed check is not an alarm).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from sqlmodel import Session

from archive_app.crypto import TokenCipher
from archive_app.db import Db
from archive_app.integrations.tiktok.errors import TikTokError, TransientError
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.integrations.tiktok.protocol import MentionList, Video
from archive_app.models.mentions import FoundVia
from archive_app.services.mentions.ingest import IngestResult, PollTarget, ingest, poll_targets

log = logging.getLogger(__name__)
PAGE_SIZE = 20
MAX_PAGES = 50  # 50 x 20: the top 1000 mentions TikTok returns at most


@dataclass
class PollOutcome:
    sources: int = 0
    pages: int = 0
    new_mentions: int = 0
    new_finds: int = 0
    # Sources whose TikTok call failed this tick: transient (retried next tick) or refused.
    retry_later: int = 0
    refused: int = 0
    workspace_ids: set[int] = field(default_factory=set)

    def summary(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "pages": self.pages,
            "new_mentions": self.new_mentions,
            "new_finds": self.new_finds,
            "retry_later": self.retry_later,
            "refused": self.refused,
        }


async def poll_source(
    db: Db,
    gateway: MentionList,
    *,
    target: PollTarget,
    now: datetime,
    outcome: PollOutcome,
    page_size: int = PAGE_SIZE,
    max_pages: int = MAX_PAGES,
) -> None:
    outcome.sources += 1
    cursor: str | None = None
    for _ in range(max_pages):
        try:
            page = await gateway.mentions(
                access_token=target.access_token,
                open_id=target.open_id,
                cursor=cursor,
                max_count=page_size,
            )
        except TransientError as exc:
            outcome.retry_later += 1
            log.info("poll_mentions: @%s later (%s)", target.handle, exc.code)
            return
        except TikTokError as exc:
            outcome.refused += 1
            log.warning("poll_mentions: @%s refused: %s", target.handle, exc)
            return
        outcome.pages += 1
        result = await db(partial(_store, target=target, videos=page.videos, now=now))
        outcome.new_mentions += result.new_mentions
        outcome.new_finds += result.new_finds
        outcome.workspace_ids |= result.workspace_ids
        if not page.has_more or page.cursor is None or not page.videos:
            return
        cursor = page.cursor


def _store(
    session: Session, *, target: PollTarget, videos: tuple[Video, ...], now: datetime
) -> IngestResult:
    return ingest(session, source_id=target.source_id, videos=videos, via=FoundVia.poll, now=now)


# How a poll gets the TikTok client of a kind (``Deps.gateway``).
GatewayFor = Callable[[Kind], MentionList]


async def poll_all(
    db: Db,
    gateway_for: GatewayFor,
    *,
    cipher: TokenCipher,
    now: datetime,
    source_ids: set[int] | None = None,
) -> PollOutcome:
    """Every connected source (or only ``source_ids``), one after the other."""
    outcome = PollOutcome()
    targets = await db(lambda s: poll_targets(s, cipher=cipher))
    for target in targets:
        if source_ids is None or target.source_id in source_ids:
            await poll_source(db, gateway_for(target.kind), target=target, now=now, outcome=outcome)
    return outcome
