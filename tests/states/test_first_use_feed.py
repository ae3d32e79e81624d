"""First use of the Feed and Social Profiles, as a brand marketer meets them (issue 21, items 6,
7 and 11): the total says how many cards there are, the chart says which days it covers, the
demo knows no DM setting it could not know, and an unknown creator's page says so."""

from __future__ import annotations

from archive_app.states.creators import CreatorsState, CreatorState
from archive_app.states.feed import FeedState
from tests.states.test_feed_state import _signed_in


async def test_the_feed_says_the_total_of_its_cards_and_which_days_its_chart_covers(app_db):
    state = await _signed_in(FeedState)
    await state.load()
    await state.load_more()
    assert len(state.cards) == 36 and not state.has_more
    assert state.total_text == "36 mentions"
    assert state.chart_text.startswith("The chart shows ")
    assert state.chart_text.endswith(": all 36 mentions.")
    assert sum(p["mentions"] for p in state.chart) == 36


async def test_a_search_shows_its_cards_then_says_how_many_it_finds(app_db):
    state = await _signed_in(FeedState, query="q=tom.cooks")
    then = await state.load()
    # The cards first; the total, chart and gaps come with the event load returns.
    assert len(state.cards) == 6 and not state.has_more
    assert state.counting and state.total_text == "Counting mentions…" and state.chart == []
    assert then == FeedState.count_mentions
    await state.count_mentions()
    assert not state.counting
    assert state.total_text == "6 mentions"
    assert sum(p["mentions"] for p in state.chart) == 6
    assert state.chart_text.endswith(": all 6 mentions.")


async def test_the_demos_creators_dm_settings_are_not_known_until_a_dm_is_tried(app_db):
    listing = await _signed_in(CreatorsState, path="/creators")
    await listing.load()
    assert len(listing.rows) == 6
    assert {(r.dm_label, r.dm_learned) for r in listing.rows} == {("Not known yet", "")}


async def test_an_unknown_creators_page_stops_loading_and_says_not_found(app_db):
    path = "/creators/nobody.here"
    header = await _signed_in(CreatorState, path=path)
    await header.load()
    cards = await _signed_in(FeedState, path=path)
    await cards.load()
    # The page shows "Creator not found" once both are loaded (pages/creators.py).
    assert header.loaded and not header.found
    assert cards.loaded and cards.cards == []
