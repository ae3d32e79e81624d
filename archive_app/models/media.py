"""What Archive keeps of a video (issue 22): its cover in the media store, and what is known of
the video on TikTok.

``MediaObject`` is one file in the store (``services/media/store.py``), under a key that starts
with its workspace (``w<id>/``), so a workspace's media can be measured and deleted as one
prefix. A cover is ``kind = cover`` for a mention; an original a creator gives on approval is
``kind = original`` for a rights request (``request_id``: at most one per request, a unique
index; ``services/media/originals.py``).

An avatar (a source's or a creator's TikTok picture) is ``kind = avatar``, under
``w<id>/avatars/s<source>-…`` or ``c<creator>-…``; the owner's ``avatar_key`` names the copy
pages show. ``AvatarFetch`` is the state of getting it (``services/media/avatars.py``).

``CoverFetch`` is the state of getting one mention's cover: ``pending`` until stored, with a
retry time after a failure (TikTok's URL may be late, or expired: a later sighting brings a
fresh one), ``stored`` once the copy is in the store, ``failed`` after the last attempt.
It also records when the video was last checked on TikTok (``services/media/videos.py``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel

from archive_app.models.base import at_field


class MediaKind(StrEnum):
    cover = "cover"
    original = "original"
    avatar = "avatar"


class CoverStatus(StrEnum):
    pending = "pending"
    stored = "stored"
    failed = "failed"


class MediaObject(SQLModel, table=True):
    __tablename__ = "media_objects"
    __table_args__ = (
        Index("ix_media_objects_mention", "mention_id", "kind"),
        Index("ux_media_objects_request", "request_id", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE", index=True)
    kind: str = Field(max_length=16)
    # Where it is in the store: "w<workspace>/covers/<mention>-<sha256 prefix>.<ext>".
    key: str = Field(max_length=255, unique=True)
    content_type: str = Field(max_length=64)
    size_bytes: int = Field(default=0, sa_type=BigInteger)
    sha256: str = Field(max_length=64)
    mention_id: int | None = Field(
        default=None, foreign_key="mentions.id", ondelete="CASCADE", nullable=True
    )
    # The rights request an original was given for (None for a cover).
    request_id: int | None = Field(
        default=None, foreign_key="rights_requests.id", ondelete="CASCADE", nullable=True
    )
    created_at: datetime = at_field()


class CoverFetch(SQLModel, table=True):
    __tablename__ = "cover_fetches"
    __table_args__ = (
        Index("ix_cover_fetches_due", "status", "next_try_at"),
        Index("ix_cover_fetches_checked", "video_checked_at"),
    )

    mention_id: int = Field(foreign_key="mentions.id", primary_key=True, ondelete="CASCADE")
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    status: str = Field(default=CoverStatus.pending, max_length=16)
    attempts: int = 0
    next_try_at: datetime | None = at_field(nullable=True)
    # Why the last attempt failed, in words ("TikTok answered 403", "not an image").
    last_error: str = Field(default="", max_length=200)
    object_id: int | None = Field(
        default=None, foreign_key="media_objects.id", ondelete="SET NULL", nullable=True
    )
    # When the video was last asked after on TikTok (None: never).
    video_checked_at: datetime | None = at_field(nullable=True)


class AvatarFetch(SQLModel, table=True):
    """Getting the avatar of one source or one creator (exactly one of the two is set) from
    ``url``, the owner's TikTok URL when the row was made or last reset; statuses as covers'."""

    __tablename__ = "avatar_fetches"
    __table_args__ = (
        Index("ix_avatar_fetches_due", "status", "next_try_at"),
        Index("ux_avatar_fetches_source", "source_id", unique=True),
        Index("ux_avatar_fetches_creator", "creator_id", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    source_id: int | None = Field(
        default=None, foreign_key="sources.id", ondelete="CASCADE", nullable=True
    )
    creator_id: int | None = Field(
        default=None, foreign_key="creators.id", ondelete="CASCADE", nullable=True
    )
    url: str = Field(max_length=1024)
    status: str = Field(default=CoverStatus.pending, max_length=16)
    attempts: int = 0
    next_try_at: datetime | None = at_field(nullable=True)
    last_error: str = Field(default="", max_length=200)
