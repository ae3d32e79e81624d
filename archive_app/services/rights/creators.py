"""Social Profiles: the creators who mentioned the brand, and what is known of each.

A creator row says how often and when they last mentioned the brand, what is known of their
DM setting (and since when), and a summary of the usage-rights requests sent to them. Only the
viewer's workspace is read; a handle or id of another workspace's creator finds nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from archive_app.models.mentions import Creator, DmSetting
from archive_app.models.rights import RightsRequest
from archive_app.services.media.avatars import avatar_url
from archive_app.services.mentions.feed import RIGHTS_LABELS
from archive_app.services.mentions.feed_cursor import decode_cursor, encode_cursor
from archive_app.services.mentions.ingest import normal_handle
from archive_app.services.rights import manage
from archive_app.services.rights.filters import RightsFilter
from archive_app.services.rights.query import CLOSED
from archive_app.services.team import require_member

PAGE_SIZE = 50
DM_LABELS = {
    DmSetting.everyone.value: "Everyone",
    DmSetting.friends.value: "Friends",
    DmSetting.suggested_friends.value: "Suggested friends",
    DmSetting.no_one.value: "No one",
    DmSetting.unknown.value: "Not known yet",
}
_HANDLE = re.compile(r"[a-z0-9._]{1,64}")


@dataclass(frozen=True)
class CreatorRow:
    id: int
    handle: str
    display_name: str
    avatar_url: str
    mention_count: int
    last_mention_at: datetime | None
    dm_label: str
    dm_learned_at: datetime | None
    # "2 Requested, 1 Approved" ("" when none was sent).
    rights_summary: str
    # The median time from asking to the creator's answer, and over how many answers
    # (their page only; None when no request was answered).
    median_response: timedelta | None = None
    answered: int = 0


def valid_handle(raw: str) -> str | None:
    """A handle from a URL, normalised, or None when it cannot be a TikTok handle."""
    handle = normal_handle(raw)
    return handle if _HANDLE.fullmatch(handle) else None


def _summaries(session: Session, *, workspace_id: int, ids: list[int]) -> dict[int, str]:
    counts: dict[int, dict[str, int]] = {}
    if ids:
        for creator_id, status, n in session.exec(
            select(RightsRequest.creator_id, RightsRequest.status, func.count())
            .where(
                RightsRequest.workspace_id == workspace_id, col(RightsRequest.creator_id).in_(ids)
            )
            .group_by(col(RightsRequest.creator_id), col(RightsRequest.status))
        ).all():
            counts.setdefault(creator_id, {})[status] = int(n)
    return {
        cid: ", ".join(
            f"{by.get(code, 0)} {label}" for code, label in RIGHTS_LABELS.items() if by.get(code)
        )
        for cid, by in counts.items()
    }


def _row(creator: Creator, summary: str) -> CreatorRow:
    return CreatorRow(
        id=creator.id or 0,
        handle=creator.handle,
        display_name=creator.display_name,
        avatar_url=avatar_url(creator.avatar_key),
        mention_count=creator.mention_count,
        last_mention_at=creator.last_mention_at,
        dm_label=DM_LABELS.get(creator.dm_setting, DM_LABELS[DmSetting.unknown.value]),
        dm_learned_at=creator.dm_setting_at,
        rights_summary=summary,
    )


def list_creators(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    search: str = "",
    cursor: str = "",
    limit: int = PAGE_SIZE,
) -> tuple[list[CreatorRow], str]:
    """The workspace's creators, latest mention first, in keyset pages; and the next cursor."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    where = [col(Creator.workspace_id) == workspace_id, col(Creator.last_mention_at).is_not(None)]
    if search:
        term = "%" + re.sub(r"([\\%_])", r"\\\1", search) + "%"
        where.append(
            or_(
                col(Creator.handle).ilike(term, escape="\\"),
                col(Creator.display_name).ilike(term, escape="\\"),
            )
        )
    after = decode_cursor(cursor) if cursor else None
    if after is not None:
        last_at, creator_id = after
        where.append(col(Creator.last_mention_at) <= last_at)
        where.append(
            or_(
                col(Creator.last_mention_at) < last_at,
                and_(col(Creator.last_mention_at) == last_at, col(Creator.id) < creator_id),
            )
        )
    creators = session.exec(
        select(Creator)
        .where(*where)
        .order_by(col(Creator.last_mention_at).desc(), col(Creator.id).desc())
        .limit(limit + 1)
    ).all()
    more = len(creators) > limit
    creators = creators[:limit]
    summaries = _summaries(
        session, workspace_id=workspace_id, ids=[c.id for c in creators if c.id is not None]
    )
    rows = [_row(c, summaries.get(c.id or 0, "")) for c in creators]
    last = creators[-1] if more else None
    next_cursor = ""
    if last is not None and last.last_mention_at is not None:
        next_cursor = encode_cursor(last.last_mention_at, last.id or 0)
    return rows, next_cursor


def _with_handle(workspace_id: int, handle: str) -> list[ColumnElement[bool]] | None:
    """The WHERE of the workspace's creator with that handle (None for a bad handle)."""
    clean = valid_handle(handle)
    if clean is None:
        return None
    return [col(Creator.workspace_id) == workspace_id, col(Creator.handle) == clean]


def find_creator(
    session: Session, *, workspace_id: int, user_id: int, handle: str
) -> CreatorRow | None:
    """The workspace's creator with that handle (None for a bad handle or another's)."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    where = _with_handle(workspace_id, handle)
    if where is None:
        return None
    creator = session.exec(select(Creator).where(*where)).first()
    if creator is None or creator.id is None:
        return None
    summary = _summaries(session, workspace_id=workspace_id, ids=[creator.id])
    rows = manage.requests_of(
        session,
        workspace_id=workspace_id,
        filters=RightsFilter(creator_id=creator.id),
        limit=manage.MAX_SHOWN,
        media=False,
    )
    median, answered = median_response(rows)
    return replace(
        _row(creator, summary.get(creator.id, "")), median_response=median, answered=answered
    )


def creator_ref(
    session: Session, *, workspace_id: int, user_id: int, handle: str
) -> tuple[int, str] | None:
    """The id and handle of the workspace's creator with that handle, as :func:`find_creator`
    finds them, without what the header shows (the Feed's part of a creator's page)."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    where = _with_handle(workspace_id, handle)
    if where is None:
        return None
    found = session.exec(select(Creator.id, Creator.handle).where(*where)).first()
    return (found[0], found[1]) if found is not None and found[0] is not None else None


def median_response(rows: list[manage.RequestRow]) -> tuple[timedelta | None, int]:
    """The median of (answered − sent) over the answered requests of Manage Rights' list (the
    same rows, so the number describes what that list shows); and how many there are."""
    spans = sorted(
        row.responded_at - (row.sent_at or row.requested_at)
        for row in rows
        if row.responded_at is not None and row.status in CLOSED
    )
    if not spans:
        return None, 0
    middle = len(spans) // 2
    if len(spans) % 2:
        return spans[middle], len(spans)
    return (spans[middle - 1] + spans[middle]) / 2, len(spans)
