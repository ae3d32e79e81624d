"""Mentions of the brand on TikTok and the creators who made them (DESIGN.md section 3).

A ``Mention`` is one TikTok video, unique per (workspace, video id) however many sources found
it; ``MentionFind`` records each source that found it and how (poll or webhook). A ``Creator``
is unique per (workspace, handle) and carries what is known of their DM setting;
``CreatorFriendship`` what is known of their friendship with each v.1 source (the DM rule).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DDL, BigInteger, Column, Index, Text, UniqueConstraint, event, text
from sqlmodel import Field, SQLModel

from archive_app.models import caption_seams, mention_search
from archive_app.models.base import at_field


class DmSetting(StrEnum):
    """Who may send the creator a DM, as far as we know."""

    everyone = "everyone"
    friends = "friends"
    suggested_friends = "suggested_friends"
    no_one = "no_one"
    unknown = "unknown"


class FoundVia(StrEnum):
    poll = "poll"
    webhook = "webhook"


class Creator(SQLModel, table=True):
    __tablename__ = "creators"
    __table_args__ = (
        UniqueConstraint("workspace_id", "handle", name="uq_creator_handle"),
        # The Feed's search by handle on PostgreSQL (mention_search.py): ILIKE '%term%'.
        Index(
            "ix_creators_handle_trgm",
            "handle",
            postgresql_using="gin",
            postgresql_ops={"handle": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    handle: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=128)
    avatar_url: str = Field(default="", max_length=1024)
    # Archive's copy of that avatar in the media store ("" until kept: services/media/avatars.py).
    avatar_key: str = Field(default="", max_length=255)
    dm_setting: str = Field(default=DmSetting.unknown, max_length=24)
    # When ``dm_setting`` was learned (None while unknown).
    dm_setting_at: datetime | None = at_field(nullable=True)
    mention_count: int = 0
    first_seen_at: datetime = at_field()
    last_mention_at: datetime | None = at_field(nullable=True)


class CreatorFriendship(SQLModel, table=True):
    """Whether a creator and one of our v.1 accounts are friends, and when we learned it."""

    __tablename__ = "creator_friendships"

    creator_id: int = Field(foreign_key="creators.id", primary_key=True, ondelete="CASCADE")
    source_id: int = Field(foreign_key="sources.id", primary_key=True, ondelete="CASCADE")
    is_friend: bool = False
    learned_at: datetime = at_field()


class Mention(SQLModel, table=True):
    __tablename__ = "mentions"
    __table_args__ = (
        UniqueConstraint("workspace_id", "video_id", name="uq_mention_video"),
        # Keyset paging, newest first: (posted_at, id) within a workspace.
        Index("ix_mentions_feed", "workspace_id", "posted_at", "id"),
        Index("ix_mentions_creator", "workspace_id", "creator_id", "posted_at"),
        Index("ix_mentions_rights", "workspace_id", "rights_status", "posted_at"),
        # "Removed from TikTok": the few removed videos, newest first (without it, "Only these"
        # read the whole Feed index to find none: 2 s at a million mentions on SQLite).
        Index(
            "ix_mentions_removed",
            "workspace_id",
            "posted_at",
            "id",
            sqlite_where=text("removed_at IS NOT NULL"),
            postgresql_where=text("removed_at IS NOT NULL"),
        ),
        # The Feed's search (ILIKE '%term%') on PostgreSQL: trigram indexes, so a rare or absent
        # word is found without reading every row (bench/feed.py); SQLite: mention_search.py.
        *(
            Index(
                f"ix_mentions_{column}_trgm",
                column,
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            ).ddl_if(dialect="postgresql")
            for column in ("caption", "creator_handle")
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    video_id: str = Field(max_length=64)
    creator_id: int = Field(foreign_key="creators.id", ondelete="CASCADE")
    # Copied from the creator so the feed and its search need no join.
    creator_handle: str = Field(max_length=64)
    caption: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    thumbnail_url: str = Field(default="", max_length=1024)
    url: str = Field(default="", max_length=1024)
    views: int = Field(default=0, sa_type=BigInteger)
    likes: int = Field(default=0, sa_type=BigInteger)
    comments: int = Field(default=0, sa_type=BigInteger)
    shares: int = Field(default=0, sa_type=BigInteger)
    posted_at: datetime = at_field()
    first_seen_at: datetime = at_field()
    # The status of the latest rights request covering this video ("" = none); written only
    # by services/rights/requests.py, so the feed can filter on it without a join.
    rights_status: str = Field(default="", max_length=16)
    rights_request_id: int | None = Field(default=None)
    # When Archive found the video gone from TikTok (services/media/videos.py); None while there.
    removed_at: datetime | None = at_field(nullable=True)


# The trigram indexes need the extension (trusted since PostgreSQL 13: the database owner may
# create it). Tests build tables with create_all; the migration does the same.
_TRGM = DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm")  # type: ignore[no-untyped-call]
for _table in (Creator.__table__, Mention.__table__):  # type: ignore[attr-defined]
    event.listen(_table, "before_create", _TRGM.execute_if(dialect="postgresql"))
mention_search.attach(Mention.__table__)  # type: ignore[attr-defined]
caption_seams.attach(Mention.__table__)  # type: ignore[attr-defined]


class MentionFind(SQLModel, table=True):
    """A source that found a mention, once per (mention, source)."""

    __tablename__ = "mention_finds"
    __table_args__ = (Index("ix_mention_finds_source", "source_id", "mention_id"),)

    mention_id: int = Field(foreign_key="mentions.id", primary_key=True, ondelete="CASCADE")
    source_id: int = Field(foreign_key="sources.id", primary_key=True, ondelete="CASCADE")
    via: str = Field(default=FoundVia.poll, max_length=16)
    found_at: datetime = at_field()
