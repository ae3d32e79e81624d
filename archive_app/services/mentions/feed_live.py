"""What an open Feed tab re-reads when told something changed (live.Topic.mentions / rights):
how many new mentions its filter would show, and the rights status of the cards it shows."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from archive_app.models.mentions import Mention
from archive_app.services.mentions.feed import FeedFilter, conditions, dialect_of
from archive_app.services.team import require_member

# Up to this many new mentions, a search checks each of them (feed_search.matching_rows).
ROW_BY_ROW = 200


def count_new(
    session: Session, *, workspace_id: int, user_id: int, filters: FeedFilter, after_id: int
) -> int:
    """Mentions matching ``filters`` stored after the tab read its first page (at most 100)."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    newer = [col(Mention.workspace_id) == workspace_id, col(Mention.id) > after_id]
    # Few rows come after the tab's first page, usually: the search then checks them one by
    # one (about 0.2 ms each on SQLite) rather than listing every match of the term.
    few = filters.search != "" and len(_ids(session, newer, ROW_BY_ROW + 1)) <= ROW_BY_ROW
    where = [*conditions(workspace_id, filters, dialect=dialect_of(session), few_rows=few)]
    return len(_ids(session, [*where, *newer], 100))


def _ids(session: Session, where: Sequence[ColumnElement[bool]], limit: int) -> list[int]:
    return [i for i in session.exec(select(Mention.id).where(*where).limit(limit)).all() if i]


def rights_of(
    session: Session, *, workspace_id: int, user_id: int, mention_ids: Sequence[int]
) -> dict[int, str]:
    """The current rights status of some of the workspace's mentions (others are left out)."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    rows = session.exec(
        select(Mention.id, Mention.rights_status).where(
            Mention.workspace_id == workspace_id, col(Mention.id).in_(list(mention_ids)[:500])
        )
    ).all()
    return {mention_id: status for mention_id, status in rows if mention_id is not None}
