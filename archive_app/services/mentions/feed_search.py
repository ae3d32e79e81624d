"""The Feed's search: the mentions whose caption or creator's handle contains a term.

Captions through their index (``models/mention_search.py``: FTS5 trigrams on SQLite, a GIN
trigram index on PostgreSQL); a term of several words through the seams between its words
(``models/caption_seams.py``), the few captions that have them all rechecked; handles among
the workspace's creators, then those creators' mentions (``ix_mentions_creator``):
:func:`matching`.

On SQLite a page is read from the FTS5 index newest first (its rowid is ``posted_at``'s second
and the id, ``models/mention_search.py``): the 25 newest matches of a common or a rare word are
read without the others (a word in 1 % of a million captions took 33 ms when every one of its
10,000 matches was read and sorted; a ``LIKE`` over the newest 500 rows, tried first, cost a
few ms more for every rare, absent word or handle), then merged with the newest mentions of
the creators whose handle matches. PostgreSQL needs none of this (``ILIKE`` there, the
planner picks).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Text, and_, any_, bindparam, exists, func, literal_column, or_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import TableClause
from sqlmodel import Session, col, select

from archive_app.models import caption_seams
from archive_app.models.mention_search import (
    ID_MASK,
    MIN_TRIGRAM,
    SEARCH,
    KeyRange,
    caption_match,
    key_of,
    search_ids,
    search_key,
)
from archive_app.models.mentions import Creator, Mention


def _pattern(term: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", term) + "%"


def contains(term: str) -> ColumnElement[bool]:
    """Caption or handle contains ``term``, any case; ``%`` and ``_`` are plain letters."""
    pattern = _pattern(term)
    return or_(
        col(Mention.caption).ilike(pattern, escape="\\"),
        col(Mention.creator_handle).ilike(pattern, escape="\\"),
    )


def _creators(workspace_id: int, term: str, *, dialect: str) -> Select[Any]:
    """The workspace's creators whose handle contains ``term`` (a mention's ``creator_handle``
    is its creator's handle: ingest copies it). SQLite's ``LIKE`` ignores ASCII case as its
    ``lower()`` does, without calling it on every row."""
    handle, pattern = col(Creator.handle), _pattern(term)
    found = (
        handle.like(pattern, escape="\\")
        if dialect == "sqlite"
        else handle.ilike(pattern, escape="\\")
    )
    return select(Creator.id).where(col(Creator.workspace_id) == workspace_id, found)


def posted_keys(since: datetime | None, until: datetime | None) -> KeyRange | None:
    """SQLite: the search keys of mentions posted from ``since`` to before ``until``."""
    if since is None and until is None:
        return None
    low = calendar.timegm(since.utctimetuple()) if since else 0
    high = calendar.timegm(until.utctimetuple()) if until else 2**32
    return key_of(low), key_of(high)


def matching(
    workspace_id: int, term: str, *, dialect: str, posted: KeyRange | None = None
) -> ColumnElement[bool]:
    """The same as :func:`contains`, through the indexes: the caption's (``search_ids`` on
    SQLite, the trigram index on PostgreSQL), or a creator whose handle matches
    (``ix_mentions_creator``). ``posted`` (:func:`posted_keys`): SQLite's index reads only the
    mentions of the filter's dates (a chart's 92 days of a common word: 359 ms reading all of
    its matches)."""
    if len(term) < MIN_TRIGRAM:
        return contains(term)
    creators = _creators(workspace_id, term, dialect=dialect)
    seams = caption_seams.term_seams(term)
    if dialect == "sqlite":
        in_captions = (
            and_(col(Mention.id).in_(caption_seams.seam_ids(seams, posted)), _like(term))
            if seams
            else col(Mention.id).in_(search_ids(term, posted))
        )
        return or_(in_captions, col(Mention.creator_id).in_(creators))
    # = ANY(ARRAY(...)): PostgreSQL can then OR two bitmap index scans.
    by_handle = col(Mention.creator_id) == any_(func.array(creators.scalar_subquery()))
    if not seams:
        return or_(col(Mention.caption).ilike(_pattern(term), escape="\\"), by_handle)
    # The seams' index finds the few candidates (every caption containing the term has its
    # seams); strpos rechecks them and, unlike ILIKE, cannot send the planner to the trigram
    # index, whose lists are the long ones here. Written as two ORs, the first is the bitmap
    # scan's own condition, so the slow caption_seams() is not run again on every candidate
    # (16 ms for 390 of them, 0.8 ms for the index).
    candidates = func.caption_seams(col(Mention.caption)).op("@>")(
        bindparam("term_seams", seams, type_=ARRAY(Text))
    )
    contained = func.strpos(func.lower(col(Mention.caption)), term.lower()) > 0
    return and_(or_(candidates, by_handle), or_(contained, by_handle))


def matching_rows(workspace_id: int, term: str, *, dialect: str) -> ColumnElement[bool]:
    """:func:`matching` for a query that reads few rows, such as the mentions stored after a
    tab's first page (``feed_live.count_new``). On SQLite each row is looked up in the same
    index by its key, instead of every match of the term being listed first (a common word:
    280 ms at a million mentions for each new mention, per tab; 1 ms this way)."""
    if dialect != "sqlite" or len(term) < MIN_TRIGRAM:
        return matching(workspace_id, term, dialect=dialect)
    index, found_by = _caption_index(term)
    key: ColumnElement[int] = literal_column(search_key("mentions"))  # the row's own key
    in_captions = exists().select_from(index).where(index.c.rowid == key, *found_by)
    creators = _creators(workspace_id, term, dialect=dialect)
    return or_(in_captions, col(Mention.creator_id).in_(creators))


def _caption_index(term: str) -> tuple[TableClause, list[ColumnElement[bool]]]:
    """SQLite: the index a term's captions are found in (the seams', for a term with seams,
    each candidate's caption then rechecked; else the trigrams'), and the conditions on it."""
    seams = caption_seams.term_seams(term)
    if seams:
        return caption_seams.SEAMS, [caption_seams.seams_match(seams), _like(term)]
    return SEARCH, [caption_match(term)]


def _like(term: str) -> ColumnElement[bool]:
    """SQLite: the caption contains ``term`` (``LIKE`` ignores ASCII case)."""
    return col(Mention.caption).like(_pattern(term), escape="\\")


def _newest_first(where: Sequence[ColumnElement[bool]], limit: int) -> object:
    return (
        select(Mention)
        .where(*where)
        .order_by(col(Mention.posted_at).desc(), col(Mention.id).desc())
        .limit(limit)
    )


def sqlite_page(
    session: Session,
    *,
    workspace_id: int,
    where: Sequence[ColumnElement[bool]],
    term: str,
    limit: int,
) -> list[Mention]:
    """Up to ``limit`` mentions matching ``where`` and containing ``term``, newest first."""
    if len(term) < MIN_TRIGRAM:  # too short for trigrams: LIKE over everything
        return list(session.exec(_newest_first([*where, contains(term)], limit)))  # type: ignore[call-overload]
    creators = _creators(workspace_id, term, dialect="sqlite")
    by_handle = _newest_first([*where, col(Mention.creator_id).in_(creators)], limit)
    both = _newest_captions(session, where, term, limit) + list(session.exec(by_handle))  # type: ignore[call-overload]
    return _newest({m.id: m for m in both}.values(), limit)


def _newest(mentions: Iterable[Mention], limit: int) -> list[Mention]:
    return sorted(mentions, key=lambda m: (m.posted_at, m.id or 0), reverse=True)[:limit]


def _newest_captions(
    session: Session, where: Sequence[ColumnElement[bool]], term: str, limit: int
) -> list[Mention]:
    """The newest ``limit`` mentions matching ``where`` whose caption contains ``term``: in the
    search index's order (posted_at's second, then id: ``models/mention_search.py``), read
    until ``limit`` are found, then every match of the last one's second (within a second,
    the index's order need not be the Feed's). A term with seams reads the seams' index, in
    the same order, and rechecks each candidate's caption."""
    index, found_by = _caption_index(term)
    key = index.c.rowid

    def query(*more: ColumnElement[bool]) -> Any:
        return (
            select(Mention)
            .select_from(index)
            .join(Mention, col(Mention.id) == key.op("&")(ID_MASK))
            .where(*found_by, *more, *where)
            .order_by(key.desc())
            .limit(limit)
        )

    found = list(session.exec(query()))
    if len(found) < limit:
        return found
    second = calendar.timegm(found[-1].posted_at.utctimetuple())
    same = query(key >= key_of(second), key < key_of(second + 1)).limit(None)
    return _newest({m.id: m for m in [*found, *session.exec(same)]}.values(), limit)
