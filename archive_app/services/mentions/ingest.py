"""Collecting mentions: one idempotent upsert for everything TikTok tells us about a video.

A video is one ``Mention`` per workspace (unique on workspace + video id) however many times
and however it is found: the poll of a v.2 source (Business mention list), the poll of a v.1
source (the relay's notifications inbox), or the ``brand.mention.event`` webhook. Each source
that found it gets one ``MentionFind``; the creator is one ``Creator`` per workspace + handle,
whose ``mention_count`` and ``last_mention_at`` are recomputed from the mentions, so a replay
cannot count twice. Two workers inserting the same row at once is settled by the unique
indexes (a savepoint per insert): the loser reads the winner's row.

These are system functions (the poll job, the webhook): there is no viewer, and each touches
only the workspaces of the sources TikTok named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, func, select

from archive_app import events
from archive_app.crypto import TokenCipher
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.integrations.tiktok.protocol import Video
from archive_app.models.mentions import Creator, FoundVia, Mention, MentionFind
from archive_app.models.sources import Source, SourceStatus
from archive_app.services.sources.status import access_token

# Sources that are connected: polled, and credited with what the webhook reports.
COLLECTING = (SourceStatus.active, SourceStatus.degraded)
T = TypeVar("T", bound=SQLModel)


@dataclass
class IngestResult:
    new_mentions: int = 0
    new_finds: int = 0
    seen: int = 0
    workspace_ids: set[int] = field(default_factory=set)

    def add(self, other: IngestResult) -> None:
        self.new_mentions += other.new_mentions
        self.new_finds += other.new_finds
        self.seen += other.seen
        self.workspace_ids |= other.workspace_ids


@dataclass(frozen=True)
class PollTarget:
    """A connected source, with what the poll needs to call TikTok for it."""

    source_id: int
    workspace_id: int
    kind: Kind
    handle: str
    open_id: str
    access_token: str


def normal_handle(handle: str) -> str:
    """TikTok handles are case-insensitive; we keep them lower-case, without the ``@``."""
    return handle.strip().lstrip("@").lower()[:64]


def poll_targets(session: Session, *, cipher: TokenCipher) -> list[PollTarget]:
    """Every connected source that has a token, oldest first."""
    sources = session.exec(
        select(Source).where(col(Source.status).in_(COLLECTING)).order_by(col(Source.id))
    ).all()
    targets = []
    for source in sources:
        token = access_token(session, source=source, cipher=cipher)
        if token and source.id is not None:
            targets.append(
                PollTarget(
                    source_id=source.id,
                    workspace_id=source.workspace_id,
                    kind=Kind(source.kind),
                    handle=source.handle,
                    open_id=source.open_id,
                    access_token=token,
                )
            )
    return targets


def event_sources(session: Session, *, open_id: str, kind: Kind | None) -> list[int]:
    """The connected sources a webhook about ``open_id`` is for (one per workspace with it)."""
    query = select(Source.id).where(Source.open_id == open_id, col(Source.status).in_(COLLECTING))
    if kind is not None:
        query = query.where(Source.kind == kind.value)
    return [i for i in session.exec(query.order_by(col(Source.id))).all() if i is not None]


def _insert_or_get(session: Session, row: T, find: Callable[[], T | None]) -> tuple[T, bool]:
    """Insert ``row`` unless it is there (or another worker wins the race): (row, inserted)."""
    existing = find()
    if existing is not None:
        return existing, False
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        winner = find()
        assert winner is not None
        return winner, False
    return row, True


def _creator(session: Session, *, workspace_id: int, handle: str, now: datetime) -> Creator:
    def find() -> Creator | None:
        return session.exec(
            select(Creator).where(Creator.workspace_id == workspace_id, Creator.handle == handle)
        ).first()

    row = Creator(workspace_id=workspace_id, handle=handle, first_seen_at=now)
    return _insert_or_get(session, row, find)[0]


def _apply(mention: Mention, video: Video) -> None:
    """What may change on a later sighting: counts, caption, links (never who posted it)."""
    mention.views, mention.likes = video.views, video.likes
    mention.comments, mention.shares = video.comments, video.shares
    mention.caption = video.caption or mention.caption
    mention.thumbnail_url = video.thumbnail_url or mention.thumbnail_url
    mention.url = video.url or mention.url
    mention.removed_at = None  # TikTok lists it: not removed (services/media/videos.py)


def ingest(
    session: Session, *, source_id: int, videos: Iterable[Video], via: FoundVia, now: datetime
) -> IngestResult:
    """Record what ``source_id`` found. Safe to repeat: nothing is added or counted twice."""
    result = IngestResult()
    source = session.get(Source, source_id)
    if source is None:
        return result
    workspace_id = source.workspace_id
    touched: set[int] = set()
    for video in videos:
        handle = normal_handle(video.creator_handle)
        if not handle or not video.item_id:
            continue
        result.seen += 1
        creator = _creator(session, workspace_id=workspace_id, handle=handle, now=now)
        assert creator.id is not None

        def find_mention(item_id: str = video.item_id) -> Mention | None:
            return session.exec(
                select(Mention).where(
                    Mention.workspace_id == workspace_id, Mention.video_id == item_id
                )
            ).first()

        fresh = Mention(
            workspace_id=workspace_id,
            video_id=video.item_id,
            creator_id=creator.id,
            creator_handle=handle,
            posted_at=video.created_at,
            first_seen_at=now,
        )
        _apply(fresh, video)
        mention, inserted = _insert_or_get(session, fresh, find_mention)
        if inserted:
            result.new_mentions += 1
            touched.add(creator.id)
        else:
            _apply(mention, video)
            session.add(mention)
        assert mention.id is not None

        def find_find(mention_id: int = mention.id) -> MentionFind | None:
            return session.get(MentionFind, (mention_id, source_id))

        row = MentionFind(mention_id=mention.id, source_id=source_id, via=via, found_at=now)
        if _insert_or_get(session, row, find_find)[1]:
            result.new_finds += 1
    _recount(session, workspace_id=workspace_id, creator_ids=touched)
    session.flush()
    if result.new_mentions or result.new_finds:
        result.workspace_ids.add(workspace_id)
        events.record(session, events.MentionsAdded(workspace_id=workspace_id))
    return result


def _recount(session: Session, *, workspace_id: int, creator_ids: Iterable[int]) -> None:
    """A creator's count and last mention, from the mentions themselves (exact under replay)."""
    for creator_id in sorted(creator_ids):
        where = (Mention.workspace_id == workspace_id, Mention.creator_id == creator_id)
        count = session.exec(select(func.count()).select_from(Mention).where(*where)).one()
        last = session.exec(
            select(Mention.posted_at).where(*where).order_by(col(Mention.posted_at).desc())
        ).first()
        session.execute(
            update(Creator)
            .where(col(Creator.id) == creator_id)
            .values(mention_count=int(count), last_mention_at=last)
        )


def ingest_event(
    session: Session, *, open_id: str, kind: Kind | None, video: Video, now: datetime
) -> IngestResult:
    """A ``brand.mention.event``: the video goes to every connected source on that account."""
    result = IngestResult()
    for source_id in event_sources(session, open_id=open_id, kind=kind):
        found = ingest(session, source_id=source_id, videos=[video], via=FoundVia.webhook, now=now)
        result.add(found)
    return result
