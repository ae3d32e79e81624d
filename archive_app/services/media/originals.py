"""Originals from the creator (issue 22, item 4): the video file a creator may add on their page
after approving, kept in the media store for the brand.

The bytes decide what a file is, never its name or the browser's type: an MP4 or a MOV is an
ISO base media file whose first box is ``ftyp`` (bytes 4-8) with a known brand (``isom``,
``mp42``, ``qt  ``...). A file is streamed: hashed in one pass over the upload's temporary
file, then handed to the store as a file (``upload_fileobj`` sends it in parts); it is never
held whole in memory. Its key is ``w<workspace>/originals/r<request>-<sha256 prefix>.<ext>``;
members download it from ``/media/originals/<name>`` (``api/media.py``, checked in
``access.py``). One original per request: the table's unique index on ``request_id``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from sqlmodel import Session, col, select

from archive_app.models.media import MediaKind, MediaObject
from archive_app.models.rights import RightsRequest, RightsRequestMention, RightsStatus
from archive_app.services.among import among
from archive_app.services.errors import InvalidInput
from archive_app.services.media.store import CHUNK, MediaStore

MAX_BYTES = 500 * 1024 * 1024
ORIGINAL_PATH = "/media/originals/"
NOT_A_VIDEO = (
    "This file is not an MP4 or MOV video. Choose the video file itself (.mp4 or .mov), "
    "as saved from your phone or editing app."
)
EMPTY = "This file is empty. Choose the video file again."
MP4_BRANDS = frozenset(
    {
        b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
        b"M4V ", b"M4VH", b"M4VP", b"MSNV", b"dash", b"mmp4", b"f4v ", b"XAVC",
    }
)  # fmt: skip
MOV_BRANDS = frozenset({b"qt  "})


@dataclass(frozen=True)
class VideoType:
    content_type: str
    extension: str


MP4 = VideoType("video/mp4", "mp4")
MOV = VideoType("video/quicktime", "mov")


class NotAVideo(InvalidInput):
    """The bytes are not an MP4 or MOV file: nothing is kept."""


class TooBig(InvalidInput):
    """Over the limit (``MAX_BYTES``): nothing is kept."""


def too_big_message(limit: int) -> str:
    return (
        f"This file is larger than {describe_size(limit)}, the most Archive takes. "
        "Export the video at a smaller size (1080p is plenty) and add it again."
    )


def sniff(head: bytes) -> VideoType:
    """What the first bytes of a file say it is: an ``ftyp`` box at offset 4 whose major or
    one of whose compatible brands is MP4's or QuickTime's. Anything else is ``NotAVideo``."""
    if len(head) < 12 or head[4:8] != b"ftyp":
        raise NotAVideo(NOT_A_VIDEO)
    size = int.from_bytes(head[0:4], "big")
    end = min(len(head), size if 16 <= size <= 4096 else 16)
    brands = [head[8:12]] + [head[i : i + 4] for i in range(16, end - 3, 4)]
    if head[8:12] in MOV_BRANDS:
        return MOV
    if any(b in MP4_BRANDS for b in brands):
        return MP4
    if any(b in MOV_BRANDS for b in brands):
        return MOV
    raise NotAVideo(NOT_A_VIDEO)


@dataclass(frozen=True)
class Stored:
    key: str
    content_type: str
    size_bytes: int
    sha256: str


def original_key(workspace_id: int, request_id: int, sha256: str, kind: VideoType) -> str:
    return f"w{workspace_id}/originals/r{request_id}-{sha256[:16]}.{kind.extension}"


def store_upload(
    store: MediaStore,
    file: BinaryIO,
    *,
    workspace_id: int,
    request_id: int,
    limit: int = MAX_BYTES,
) -> Stored:
    """Check and keep one uploaded file (blocking: call it off the event loop). Raises
    ``NotAVideo``/``TooBig`` with nothing written to the store."""
    file.seek(0)
    kind = sniff(file.read(4096))
    file.seek(0)
    digest, size = hashlib.sha256(), 0
    while block := file.read(CHUNK):
        size += len(block)
        if size > limit:
            raise TooBig(too_big_message(limit))
        digest.update(block)
    if size == 0:
        raise NotAVideo(EMPTY)
    sha = digest.hexdigest()
    key = original_key(workspace_id, request_id, sha, kind)
    file.seek(0)
    store.put(key, file, content_type=kind.content_type)
    return Stored(key, kind.content_type, size, sha)


def original_of(session: Session, *, request_id: int) -> MediaObject | None:
    return session.exec(
        select(MediaObject).where(
            MediaObject.request_id == request_id, MediaObject.kind == MediaKind.original
        )
    ).first()


def original_url(key: str) -> str:
    return ORIGINAL_PATH + key.rsplit("/", 1)[-1]


def mention_original_urls(session: Session, mention_ids: Sequence[int]) -> dict[int, str]:
    """``Download original``'s address for the Feed's cards: an approved request of each
    video (usage rights or a Spark Code) that has an original; the newest original when there
    are two. (Manage Rights joins its one original per request into its own query.)"""
    if not mention_ids:
        return {}
    rows = session.exec(
        select(RightsRequestMention.mention_id, MediaObject.key)
        .join(MediaObject, col(MediaObject.request_id) == RightsRequestMention.request_id)
        .join(RightsRequest, col(RightsRequest.id) == RightsRequestMention.request_id)
        .where(
            among(session, col(RightsRequestMention.mention_id), mention_ids),
            MediaObject.kind == MediaKind.original,
            RightsRequest.status == RightsStatus.approved,
            col(RightsRequest.withdrawn_at).is_(None),
        )
        .order_by(col(MediaObject.id))
    ).all()
    return {mention_id: original_url(key) for mention_id, key in rows}


def describe_size(size_bytes: int) -> str:
    """``39 KB``, ``12.5 MB``, ``500 MB``."""
    if size_bytes < 1024 * 1024:
        return f"{max(1, size_bytes // 1024)} KB"
    return f"{size_bytes / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
