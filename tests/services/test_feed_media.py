"""The Feed shows Archive's copy of each cover (never TikTok's URL) and can show or hide the
videos removed from TikTok (issue 22, items 1 and 3)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from archive_app.models.media import MediaKind, MediaObject
from archive_app.services.mentions import feed
from archive_app.states.feed_views import card_view
from tests import factories


def _world(session: Session, now: datetime) -> tuple[factories.auth.SignedIn, list[int]]:
    owner = factories.workspace(session, now=now)
    creator = factories.creator(session, workspace_id=owner.workspace_id, now=now)
    ids = []
    for number in (1, 2):
        row = factories.mention(
            session, workspace_id=owner.workspace_id, creator=creator, now=now, number=number
        )
        ids.append(row.id or 0)
    kept, gone = ids
    session.add(
        MediaObject(
            workspace_id=owner.workspace_id,
            kind=MediaKind.cover,
            key=f"w{owner.workspace_id}/covers/{kept}-0123456789abcdef.jpg",
            content_type="image/jpeg",
            size_bytes=10,
            sha256="0" * 64,
            mention_id=kept,
            created_at=now,
        )
    )
    removed = session.get(feed.Mention, gone)
    assert removed is not None
    removed.removed_at = now
    session.add(removed)
    session.commit()
    return owner, ids


def _page(session: Session, owner: factories.auth.SignedIn, query: dict[str, str]) -> list[int]:
    filters, notes = feed.parse_filters(query)
    assert notes == []
    page = feed.feed_page(
        session, workspace_id=owner.workspace_id, user_id=owner.user_id, filters=filters
    )
    return [row.id for row in page.rows]


def test_a_card_shows_archives_cover_or_none_and_says_when_tiktok_removed_the_video(
    session: Session, now: datetime
) -> None:
    owner, (kept, gone) = _world(session, now)
    filters, _ = feed.parse_filters({})
    page = feed.feed_page(
        session, workspace_id=owner.workspace_id, user_id=owner.user_id, filters=filters
    )
    cards = {
        row.id: card_view(row, embed_url="https://www.tiktok.com/embed/v2/") for row in page.rows
    }
    assert cards[kept].thumbnail_url == f"/media/covers/{kept}-0123456789abcdef.jpg"
    assert cards[gone].thumbnail_url == ""  # TikTok's cdn.test URL is never shown
    assert (cards[kept].removed, cards[gone].removed) == ("", "Removed from TikTok on Nov 23, 2026")
    assert cards[kept].player_url == "https://www.tiktok.com/embed/v2/v1"
    assert cards[gone].player_url == ""  # removed from TikTok: nothing to play


def test_the_filter_shows_hides_or_only_shows_removed_videos(
    session: Session, now: datetime
) -> None:
    owner, (kept, gone) = _world(session, now)
    assert _page(session, owner, {}) == [kept, gone]
    assert _page(session, owner, {"removed": "hide"}) == [kept]
    assert _page(session, owner, {"removed": "only"}) == [gone]
    filters, notes = feed.parse_filters({"removed": "maybe"})
    assert filters.removed == ""
    assert notes == ["The removed-videos choice in the link is not one Archive knows; ignored."]
    assert feed.parse_filters({"removed": "hide"})[0].query() == {"removed": "hide"}


def test_manage_rights_thumbnails_play_unless_removed_and_say_when_removed(now: datetime) -> None:
    from archive_app.services.rights.manage import Video
    from archive_app.states.rights_views import _video_view

    embed = "https://www.tiktok.com/embed/v2/"
    there = _video_view(Video("/media/covers/1-ab.jpg", "u", "Hi", 1, "71", None), "maya", embed)
    gone = _video_view(Video("/media/covers/2-cd.jpg", "u", "Bye", 2, "72", now), "maya", embed)
    assert (there.player_url, there.removed) == ("https://www.tiktok.com/embed/v2/71", "")
    assert (gone.player_url, gone.removed) == ("", "Removed from TikTok on Nov 23, 2026")
    assert gone.thumbnail_url == "/media/covers/2-cd.jpg"  # the saved cover stays
