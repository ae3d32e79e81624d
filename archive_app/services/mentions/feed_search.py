"""The Feed's search on SQLite, so a common word is as fast as a rare one.

The FTS5 trigram index (``models/mention_search.py``) finds a rare word at once but hands back
every match of a common one (25,000 ids for a word in a quarter of 100,000 captions) before the
newest page can be picked. A plain ``LIKE`` over the feed index is the opposite: it stops as
soon as a page is full, which is at once for a common word and never for an absent one. So a
page is first looked for with ``LIKE`` among the newest ``WINDOW`` rows the other filters
allow; if they hold a whole page, that page is exact (every older row comes after it); if not,
the index answers. PostgreSQL's trigram indexes need none of this (``ILIKE`` there).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from archive_app.models.mention_search import MIN_TRIGRAM, search_ids
from archive_app.models.mentions import Mention

WINDOW = 500


def contains(term: str) -> ColumnElement[bool]:
    """Caption or handle contains ``term``, any case; ``%`` and ``_`` are plain letters."""
    pattern = "%" + re.sub(r"([\\%_])", r"\\\1", term) + "%"
    return or_(
        col(Mention.caption).ilike(pattern, escape="\\"),
        col(Mention.creator_handle).ilike(pattern, escape="\\"),
    )


def _newest_first(where: Sequence[ColumnElement[bool]], limit: int) -> object:
    return (
        select(Mention)
        .where(*where)
        .order_by(col(Mention.posted_at).desc(), col(Mention.id).desc())
        .limit(limit)
    )


def sqlite_page(
    session: Session, *, where: Sequence[ColumnElement[bool]], term: str, limit: int
) -> list[Mention]:
    """Up to ``limit`` mentions matching ``where`` and containing ``term``, newest first."""
    if len(term) < MIN_TRIGRAM:  # too short for trigrams: LIKE over everything
        return list(session.exec(_newest_first([*where, contains(term)], limit)))  # type: ignore[call-overload]
    edge = session.exec(
        select(Mention.posted_at, Mention.id)
        .where(*where)
        .order_by(col(Mention.posted_at).desc(), col(Mention.id).desc())
        .offset(WINDOW)
        .limit(1)
    ).first()
    window = list(where)
    if edge is not None:
        posted_at, mention_id = edge
        # The plain bound lets SQLite stop its index scan there; the OR settles ties.
        window.append(col(Mention.posted_at) >= posted_at)
        window.append(
            or_(
                col(Mention.posted_at) > posted_at,
                and_(col(Mention.posted_at) == posted_at, col(Mention.id) >= mention_id),
            )
        )
    found = list(session.exec(_newest_first([*window, contains(term)], limit)))  # type: ignore[call-overload]
    if len(found) >= limit or edge is None:
        return found
    return list(
        session.exec(_newest_first([*where, col(Mention.id).in_(search_ids(term))], limit))  # type: ignore[call-overload]
    )
