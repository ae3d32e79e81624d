"""The Feed's cards: a page of mentions with their sources, Archive's copy of the cover and the
creator's original of an approved request, in three queries for the whole page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from archive_app.integrations.tiktok.kinds import spec
from archive_app.models.mentions import Mention, MentionFind
from archive_app.models.sources import Source
from archive_app.services.media.covers import cover_urls
from archive_app.services.media.originals import mention_original_urls


@dataclass(frozen=True)
class FoundBy:
    handle: str
    kind_name: str


@dataclass(frozen=True)
class MentionRow:
    id: int
    video_id: str
    creator_id: int
    creator_handle: str
    caption: str
    thumbnail_url: str
    url: str
    views: int
    likes: int
    comments: int
    shares: int
    posted_at: datetime
    rights_status: str
    found_by: tuple[FoundBy, ...]
    # When Archive found the video gone from TikTok (None while it is there).
    removed_at: datetime | None = None
    # `Download original`: the creator's file of an approved request ("" when none).
    original_url: str = ""


def rows_of(session: Session, mentions: Sequence[Mention]) -> list[MentionRow]:
    ids = [m.id for m in mentions]
    covers = cover_urls(session, [i for i in ids if i is not None])  # Archive's copies
    originals = mention_original_urls(session, [i for i in ids if i is not None])
    found: dict[int, list[FoundBy]] = {}
    if ids:
        for mention_id, handle, kind in session.exec(
            select(MentionFind.mention_id, Source.handle, Source.kind)
            .join(Source, col(Source.id) == col(MentionFind.source_id))
            .where(col(MentionFind.mention_id).in_(ids))
            .order_by(col(Source.id))
        ).all():
            found.setdefault(mention_id, []).append(FoundBy(handle, spec(kind).display_name))
    return [
        MentionRow(
            id=m.id or 0,
            video_id=m.video_id,
            creator_id=m.creator_id,
            creator_handle=m.creator_handle,
            caption=m.caption,
            thumbnail_url=covers.get(m.id or 0, ""),
            url=m.url,
            views=m.views,
            likes=m.likes,
            comments=m.comments,
            shares=m.shares,
            posted_at=m.posted_at,
            rights_status=m.rights_status,
            found_by=tuple(found.get(m.id or 0, [])),
            removed_at=m.removed_at,
            original_url=originals.get(m.id or 0, ""),
        )
        for m in mentions
    ]
