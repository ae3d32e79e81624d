"""The Feed's and Social Profiles' states: what a tab shows, from the URL, and that ids or
handles from the browser never reach another workspace."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from archive_app.clock import app_clock
from archive_app.db import session_scope
from archive_app.deps import current
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.models.sources import Source
from archive_app.states.args import BadEventArgs
from archive_app.states.creators import CreatorsState, CreatorState
from archive_app.states.feed import FeedState
from tests import factories
from tests.states.conftest import open_tab, sign_in_demo


def _redirect(event) -> str:
    spec = event if not isinstance(event, list) else event[0]
    value = spec.args[0][1]
    return str(getattr(value, "_var_value", value))


async def _signed_in(cls, *, path: str = "/feed", query: str = ""):
    people = sign_in_demo()
    state = await open_tab(
        cls, cookie=f"archive_session={people.owner_token}", path=path, query=query
    )
    await state.guard()
    return state


def _other_workspace_mention() -> tuple[int, str]:
    """A second workspace, its source @other, and one mention by @secret.creator; returns
    (mention id, handle)."""
    now = app_clock().now()
    with session_scope(current().engine) as s:
        other = factories.workspace(s, email="x@other.com", name="Other", now=now)
        ws = other.workspace_id
        factories.source(
            s,
            workspace_id=ws,
            now=now,
            cipher=current().cipher,
            handle="other",
            kind=Kind.tiktok_v2,
        )
        maker = factories.creator(s, workspace_id=ws, now=now, handle="secret.creator")
        mention = factories.mention(
            s, workspace_id=ws, creator=maker, now=now, caption="their secret"
        )
        return mention.id or 0, mention.creator_handle


async def test_the_demo_feed_shows_its_seeded_mentions_newest_first_in_pages(app_db):
    state = await _signed_in(FeedState)
    await state.load()
    assert state.loaded and len(state.cards) == 24 and state.has_more
    assert state.cards[0].creator_href == "/creators/" + state.cards[0].creator_handle
    await state.load_more()
    assert len(state.cards) == 36 and not state.has_more
    assert len({c.id for c in state.cards}) == 36
    assert sum(p["mentions"] for p in state.chart) > 0 and state.chart_text


async def test_filters_come_from_the_url_and_bad_values_become_notes(app_db):
    state = await _signed_in(FeedState, query="q=maya&rights=owned&from=2026-99-01")
    await state.load()
    assert {c.creator_handle for c in state.cards} == {"maya.makes"}
    assert state.filtered and state.form["q"] == "maya"
    assert len(state.notes) == 2 and not any("owned" in n for n in state.notes)

    event = state.apply_filters({"q": "tom", "rights": "none", "source": "any", "from": ""})
    url = urlsplit(_redirect(event))
    assert url.path == "/feed" and parse_qs(url.query) == {"q": ["tom"], "rights": ["none"]}
    with pytest.raises(BadEventArgs):
        state.apply_filters("q=tom")  # type: ignore[arg-type]


async def test_another_workspaces_ids_and_handles_find_nothing(app_db):
    their_mention, their_handle = _other_workspace_mention()
    state = await _signed_in(FeedState)
    await state.load()
    assert their_mention not in {c.id for c in state.cards}
    # Selecting their mention by id: not a card of this tab, nothing happens.
    assert state.toggle_select(their_mention) is None and state.selected == []
    # Their source id in the URL: ignored, with a note.
    with session_scope(current().engine) as s:
        from sqlmodel import select

        theirs = s.exec(select(Source).where(Source.handle == "other")).one().id
    state = await _signed_in(FeedState, query=f"source={theirs}")
    await state.load()
    assert len(state.cards) == 24 and any("not one of this workspace" in n for n in state.notes)
    # Their creator's page: "not found", no cards.
    path = f"/creators/{their_handle}"
    header = await _signed_in(CreatorState, path=path)
    await header.load()
    assert header.loaded and not header.found
    cards = await _signed_in(FeedState, path=path)
    await cards.load()
    assert cards.cards == []
    listing = await _signed_in(CreatorsState, path="/creators")
    await listing.load()
    assert their_handle not in {r.handle for r in listing.rows}
    assert len(listing.rows) == 6


async def test_selection_is_of_one_creator_at_a_time(app_db):
    state = await _signed_in(FeedState)
    await state.load()
    first = state.cards[0]
    same = next(c for c in state.cards[1:] if c.creator_handle == first.creator_handle)
    other = next(c for c in state.cards if c.creator_handle != first.creator_handle)
    state.toggle_select(first.id)
    state.toggle_select(same.id)
    assert state.selected == [first.id, same.id]
    assert state.toggle_select(other.id) is not None  # a toast says a new selection started
    assert state.selected == [other.id] and state.selected_handle == other.creator_handle
    with pytest.raises(BadEventArgs):
        state.toggle_select("1 or 1=1")  # type: ignore[arg-type]


async def test_a_creators_page_shows_only_their_videos(app_db):
    path = "/creators/maya.makes"
    header = await _signed_in(CreatorState, path=path)
    await header.load()
    assert header.found and header.creator.handle == "maya.makes"
    state = await _signed_in(FeedState, path=path)
    await state.load()
    assert state.cards and {c.creator_handle for c in state.cards} == {"maya.makes"}
    url = urlsplit(_redirect(state.apply_filters({"q": "review"})))
    assert url.path == path


async def test_live_events_count_new_mentions_and_refresh_badges_on_the_feed_only(app_db):
    from sqlmodel import select

    from archive_app.models.mentions import Mention

    state = await _signed_in(FeedState)
    await state.load()
    shown = state.cards[0]
    with session_scope(current().engine) as s:
        row = s.get(Mention, shown.id)
        assert row is not None
        row.rights_status = "requested"
        s.add(row)
        demo_creator = s.exec(select(Mention).where(Mention.id == shown.id)).one().creator_id
        s.add(
            Mention(
                workspace_id=row.workspace_id,
                video_id="v-new",
                creator_id=demo_creator,
                creator_handle=shown.creator_handle,
                caption="brand new",
                posted_at=app_clock().now(),
                first_seen_at=app_clock().now(),
            )
        )
    await state.rights_changed()
    assert (state.cards[0].rights_status, state.cards[0].rights_label) == ("requested", "Requested")
    await state.mentions_changed()
    assert state.new_count == 1
    await state.show_new()
    assert state.new_count == 0 and state.cards[0].caption == "brand new"

    elsewhere = await _signed_in(FeedState, path="/settings/team")
    elsewhere.loaded, elsewhere._newest_id = True, 0
    await elsewhere.mentions_changed()
    assert elsewhere.new_count == 0, "a tab on another page does nothing"
