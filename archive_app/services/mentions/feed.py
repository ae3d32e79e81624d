"""The Feed's query: a workspace's mentions, newest first, filtered, in keyset pages.

Filters come from the page's URL (so a filtered view can be shared): :func:`parse_filters`
turns the query string into a :class:`FeedFilter` and a list of fixed sentences for whatever it
had to ignore (never the text itself). Paging is by ``(posted_at, id)`` descending, the order
of the ``ix_mentions_feed`` index, so the hundredth page costs what the first does. Every
function checks that the viewer is a member and reads only that workspace's rows; a source id
from the URL that is not the workspace's is ignored, like any other bad value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, exists, func, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from archive_app.models.mentions import Mention, MentionFind
from archive_app.models.rights import RightsStatus
from archive_app.models.sources import Source
from archive_app.services.mentions.feed_cursor import decode_cursor, encode_cursor
from archive_app.services.mentions.feed_removed import parse_removed, removed_conditions
from archive_app.services.mentions.feed_rows import FoundBy as FoundBy
from archive_app.services.mentions.feed_rows import MentionRow as MentionRow
from archive_app.services.mentions.feed_rows import rows_of
from archive_app.services.mentions.feed_search import (
    contains,
    matching,
    matching_rows,
    posted_keys,
    sqlite_page,
)
from archive_app.services.team import require_member

PAGE_SIZE = 24
SEARCH_LIMIT = 100
# The spec's labels ("In Queue", ...); "none" filters videos with no request.
RIGHTS_LABELS = {
    RightsStatus.in_queue.value: "In Queue",
    RightsStatus.requested.value: "Requested",
    RightsStatus.approved.value: "Approved",
    RightsStatus.declined.value: "Declined",
}
RIGHTS_FILTERS = ("none", *RIGHTS_LABELS)


@dataclass(frozen=True)
class FeedFilter:
    source_id: int | None = None
    since: date | None = None  # inclusive, UTC days
    until: date | None = None  # inclusive
    rights: str = ""  # "" = any, else one of RIGHTS_FILTERS
    search: str = ""
    creator_id: int | None = None
    removed: str = ""  # "" every video; "hide" or "only" the ones removed from TikTok

    def query(self) -> dict[str, str]:
        """The URL query that gives this filter back (what :func:`parse_filters` reads)."""
        values = {
            "source": str(self.source_id or ""),
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
            "rights": self.rights,
            "q": self.search,
            "removed": self.removed,
        }
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class FeedPage:
    rows: tuple[MentionRow, ...]
    # Pass back for the next page; "" at the end.
    next_cursor: str
    # The highest mention id when this page was read (for "N new mentions").
    newest_id: int


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw) else None
    except ValueError:
        return None


def parse_filters(query: Mapping[str, str]) -> tuple[FeedFilter, list[str]]:
    """The filter a URL asks for, and a sentence for each value that was ignored."""
    notes: list[str] = []
    source_id: int | None = None
    raw_source = query.get("source", "")
    if raw_source:
        if raw_source.isascii() and raw_source.isdigit() and 0 < int(raw_source[:10]) < 2**31:
            source_id = int(raw_source)
        else:
            notes.append("The source in the link is not valid; showing every source.")
    dates: list[date | None] = []
    for name, label in (("from", "start"), ("to", "end")):
        raw = query.get(name, "")
        parsed = _date(raw) if raw else None
        if raw and parsed is None:
            notes.append(f"The {label} date in the link is not a date (YYYY-MM-DD); ignored.")
        dates.append(parsed)
    since, until = dates
    if since and until and since > until:
        since, until = until, since
        notes.append("The start date was after the end date; they were swapped.")
    rights = query.get("rights", "")
    if rights and rights not in RIGHTS_FILTERS:
        notes.append("The rights status in the link is not one Archive knows; ignored.")
        rights = ""
    search = " ".join(query.get("q", "").split())
    if len(search) > SEARCH_LIMIT:
        search = search[:SEARCH_LIMIT]
        notes.append(f"The search was cut to its first {SEARCH_LIMIT} characters.")
    removed, removed_notes = parse_removed(query.get("removed", ""))
    return FeedFilter(
        source_id, since, until, rights, search, removed=removed
    ), notes + removed_notes


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def workspace_source(session: Session, *, workspace_id: int, source_id: int) -> Source | None:
    source = session.get(Source, source_id)
    return source if source is not None and source.workspace_id == workspace_id else None


def check_filter(
    session: Session, *, workspace_id: int, user_id: int, filters: FeedFilter
) -> tuple[FeedFilter, list[str]]:
    """The viewer's filter with a source of another workspace (or none) taken out."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    if filters.source_id is None:
        return filters, []
    if workspace_source(session, workspace_id=workspace_id, source_id=filters.source_id):
        return filters, []
    note = "The source in the link is not one of this workspace's; showing every source."
    return replace(filters, source_id=None), [note]


def conditions(
    workspace_id: int, filters: FeedFilter, *, dialect: str = "", few_rows: bool = False
) -> list[ColumnElement[bool]]:
    """The WHERE of the viewer's feed. ``dialect`` picks the search index (mention_search.py);
    ``few_rows``: the other conditions leave few rows, so the search checks them one by one
    (``feed_search.matching_rows``)."""
    where: list[ColumnElement[bool]] = [col(Mention.workspace_id) == workspace_id]
    if filters.creator_id is not None:
        where.append(col(Mention.creator_id) == filters.creator_id)
    if filters.since is not None:
        where.append(col(Mention.posted_at) >= day_start(filters.since))
    if filters.until is not None:
        where.append(col(Mention.posted_at) < day_start(filters.until + timedelta(days=1)))
    if filters.rights:
        status = "" if filters.rights == "none" else filters.rights
        where.append(col(Mention.rights_status) == status)
    where += removed_conditions(filters.removed)
    if filters.source_id is not None:
        where.append(
            exists().where(
                col(MentionFind.mention_id) == col(Mention.id),
                col(MentionFind.source_id) == filters.source_id,
            )
        )
    if filters.search and dialect in ("sqlite", "postgresql"):
        if few_rows:
            where.append(matching_rows(workspace_id, filters.search, dialect=dialect))
        else:
            since = day_start(filters.since) if filters.since else None
            until = day_start(filters.until + timedelta(days=1)) if filters.until else None
            posted = posted_keys(since, until)
            where.append(matching(workspace_id, filters.search, dialect=dialect, posted=posted))
    elif filters.search:
        where.append(contains(filters.search))
    return where


def feed_page(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    filters: FeedFilter,
    cursor: str = "",
    limit: int = PAGE_SIZE,
) -> FeedPage:
    """One page of the viewer's feed. ``filters`` must have passed :func:`check_filter`."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    return checked_page(
        session, workspace_id=workspace_id, filters=filters, cursor=cursor, limit=limit
    )


def checked_page(
    session: Session,
    *,
    workspace_id: int,
    filters: FeedFilter,
    cursor: str = "",
    limit: int = PAGE_SIZE,
) -> FeedPage:
    """:func:`feed_page` once the viewer's membership is checked (by :func:`check_filter`)."""
    # SQLite searches in two steps (services/mentions/feed_search.py); PostgreSQL in the one query.
    dialect = dialect_of(session)
    sqlite_search = filters.search if dialect == "sqlite" else ""
    unsearched = replace(filters, search="") if sqlite_search else filters
    where = conditions(workspace_id, unsearched, dialect=dialect)
    after = decode_cursor(cursor) if cursor else None
    if after is not None:
        posted_at, mention_id = after
        # The plain bound lets the index scan start at the cursor; the OR settles ties.
        where.append(col(Mention.posted_at) <= posted_at)
        where.append(
            or_(
                col(Mention.posted_at) < posted_at,
                and_(col(Mention.posted_at) == posted_at, col(Mention.id) < mention_id),
            )
        )
    if sqlite_search:
        mentions = sqlite_page(
            session, workspace_id=workspace_id, where=where, term=sqlite_search, limit=limit + 1
        )
    else:
        mentions = list(
            session.exec(
                select(Mention)
                .where(*where)
                .order_by(col(Mention.posted_at).desc(), col(Mention.id).desc())
                .limit(limit + 1)
            )
        )
    more = len(mentions) > limit
    mentions = mentions[:limit]
    last = mentions[-1] if more else None
    return FeedPage(
        rows=tuple(rows_of(session, mentions)),
        next_cursor=encode_cursor(last.posted_at, last.id or 0) if last else "",
        newest_id=newest_id(session, workspace_id=workspace_id),
    )


def newest_id(session: Session, *, workspace_id: int) -> int:
    """The highest mention id of any workspace (ids only grow; the primary key answers at once,
    where the workspace's own highest would read all its rows): later ones are "new"."""
    del workspace_id
    return int(session.exec(select(func.max(Mention.id))).one() or 0)
