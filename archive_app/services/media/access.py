"""Who may see a stored file: members of its workspace, signed in (issue 22, item 1).

A cover is served at ``/media/covers/<mention>-<digest>.<ext>`` (``covers.cover_url``); the
route hands the session cookie and that name here. Anything but the viewer's own workspace's
file (another workspace's, a deleted one, a malformed name) is the same "not found", so a URL
tells a stranger nothing. An avatar (``/media/avatars/<s|c><owner>-<digest>.<ext>``,
``avatars.avatar_url``) follows the same rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from archive_app.models.media import MediaKind, MediaObject
from archive_app.models.rights import RightsRequest, RightsRequestMention, RightsStatus
from archive_app.services.auth import current_viewer

_COVER_NAME = re.compile(r"([0-9]{1,10})-([0-9a-f]{16})\.(jpg|png|webp|gif)")
_AVATAR_NAME = re.compile(r"[sc][0-9]{1,10}-[0-9a-f]{16}\.(jpg|png|webp|gif)")
_ORIGINAL_NAME = re.compile(r"r([0-9]{1,10})-([0-9a-f]{16})\.(mp4|mov)")


@dataclass(frozen=True)
class StoredFile:
    key: str
    content_type: str
    sha256: str
    size_bytes: int


class SignedOut(Exception):
    """No valid session: the route answers 401."""


def cover_for_link(session: Session, *, link_hash: str, name: str) -> StoredFile | None:
    """The cover file ``name`` if it belongs to a video of the request with that link (the
    creator's page, no session): nothing of any other video or workspace."""
    match = _COVER_NAME.fullmatch(name)
    if match is None:
        return None
    request = session.exec(
        select(RightsRequest).where(RightsRequest.link_hash == link_hash)
    ).first()
    if request is None or session.get(RightsRequestMention, (request.id, int(match[1]))) is None:
        return None
    return _stored(session, workspace_id=request.workspace_id, mention_id=int(match[1]), name=name)


def _stored(
    session: Session, *, workspace_id: int, mention_id: int, name: str
) -> StoredFile | None:
    found = session.exec(
        select(MediaObject).where(
            MediaObject.mention_id == mention_id,
            MediaObject.kind == MediaKind.cover,
            MediaObject.workspace_id == workspace_id,
        )
    ).all()
    for row in found:
        if row.key.rsplit("/", 1)[-1] == name:
            return StoredFile(row.key, row.content_type, row.sha256, row.size_bytes)
    return None


def cover_for_viewer(
    session: Session, *, token: str | None, name: str, now: datetime
) -> StoredFile | None:
    """The cover file ``name`` if the session's workspace owns it; None otherwise."""
    viewer = current_viewer(session, token=token, now=now)
    if viewer is None:
        raise SignedOut
    match = _COVER_NAME.fullmatch(name)
    if match is None:
        return None
    return _stored(session, workspace_id=viewer.workspace_id, mention_id=int(match[1]), name=name)


def avatar_for_viewer(
    session: Session, *, token: str | None, name: str, now: datetime
) -> StoredFile | None:
    """The avatar file ``name`` if it is kept for the session's workspace; None otherwise."""
    viewer = current_viewer(session, token=token, now=now)
    if viewer is None:
        raise SignedOut
    if _AVATAR_NAME.fullmatch(name) is None:
        return None
    row = session.exec(
        select(MediaObject).where(
            MediaObject.key == f"w{viewer.workspace_id}/avatars/{name}",
            MediaObject.kind == MediaKind.avatar,
        )
    ).first()
    return (
        None if row is None else StoredFile(row.key, row.content_type, row.sha256, row.size_bytes)
    )


def original_for_viewer(
    session: Session, *, token: str | None, name: str, now: datetime
) -> StoredFile | None:
    """The creator's original ``name`` (``r<request>-<digest>.<ext>``) if the session's
    workspace owns its request and that request is approved; None otherwise."""
    viewer = current_viewer(session, token=token, now=now)
    if viewer is None:
        raise SignedOut
    match = _ORIGINAL_NAME.fullmatch(name)
    if match is None:
        return None
    request = session.get(RightsRequest, int(match[1]))
    if request is None or request.workspace_id != viewer.workspace_id:
        return None
    if request.status != RightsStatus.approved:
        return None
    row = session.exec(
        select(MediaObject).where(
            MediaObject.request_id == request.id,
            MediaObject.kind == MediaKind.original,
            MediaObject.workspace_id == viewer.workspace_id,
        )
    ).first()
    if row is None or row.key.rsplit("/", 1)[-1] != name:
        return None
    return StoredFile(row.key, row.content_type, row.sha256, row.size_bytes)
