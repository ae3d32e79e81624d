"""Issue 20 through the event handlers: custom terms on Manage Rights and in the request window,
the Spark Ads Code window, `Remove request`, and the filters read from the URL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlmodel import select

from archive_app.db import session_scope
from archive_app.deps import current
from archive_app.models.rights import RightsRequest
from archive_app.models.rights_terms import CustomTerms
from archive_app.services.rights.creators import CreatorRow
from archive_app.states.creators import median_text
from archive_app.states.rights import RightsState
from archive_app.states.rights_remove import RightsRemoveState
from archive_app.states.rights_request import RightsRequestState
from archive_app.states.rights_request_terms import RequestTermsState
from archive_app.states.rights_terms import RightsTermsState
from tests.states.conftest import open_tab
from tests.states.test_feed_state import _redirect
from tests.states.test_rights_states import _requests, _world

URL = "https://brand.com/terms"


async def _rights_tab(cookie: str, query: str = "") -> RightsState:
    tab = await open_tab(RightsState, cookie=cookie, path="/rights", query=query)
    await tab.guard()
    await tab.load()
    return tab


async def test_add_custom_terms_saves_a_version_and_a_bad_address_is_an_inline_error(app_db):
    cookie, _, _ = _world()
    rights = await _rights_tab(cookie)
    terms = await rights.get_state(RightsTermsState)
    assert terms.terms_version == 0

    terms.open_terms()
    terms.set_terms_form_url("http://brand.com/terms")
    assert await terms.save_terms() is None
    assert "https://" in terms.terms_error and terms.terms_open is True
    terms.set_terms_form_url(URL)
    saved = await terms.save_terms()

    assert "version 1" in str(saved) and terms.terms_open is False
    assert (terms.terms_version, terms.terms_url) == (1, URL)
    await rights.load()  # another load (or another tab) reads the same version
    assert (await rights.get_state(RightsTermsState)).terms_version == 1


async def test_the_window_sends_the_terms_edited_for_that_request_only(app_db):
    cookie, mine, _ = _world()
    rights = await _rights_tab(cookie)
    terms = await rights.get_state(RightsTermsState)
    terms.open_terms()
    terms.set_terms_form_url(URL)
    await terms.save_terms()

    tab = await open_tab(RightsRequestState, cookie=cookie)
    await tab.open_request([mine])
    window_terms = await tab.get_state(RequestTermsState)
    assert (window_terms.rt_mode, window_terms.rt_version, window_terms.rt_url) == (
        "current",
        1,
        URL,
    )
    window_terms.edit_request_terms()
    window_terms.set_rt_url_input(URL + "/only-this-one")
    [e async for e in tab.submit_request()]

    (request,) = _requests()
    with session_scope(current().engine) as s:
        own = s.get(CustomTerms, request.terms_id)
        assert own is not None and (own.url, own.version) == (URL + "/only-this-one", 2)
        assert own.retired_at is not None  # never the workspace's current terms
        current_rows = s.exec(select(CustomTerms).where(CustomTerms.retired_at == None)).all()  # noqa: E711
        assert [r.url for r in current_rows] == [URL]


async def test_the_spark_window_asks_one_video_with_a_duration(app_db):
    cookie, mine, theirs = _world()
    tab = await open_tab(RightsRequestState, cookie=cookie)

    refused = await tab.open_spark_request(theirs)
    assert tab.request_open is False and "no longer in this workspace" in str(refused)
    await tab.open_spark_request(mine)
    assert (tab.request_scope, tab.request_spark_days) == ("spark_code", "30")
    assert tab.request_message.startswith("Hi! We love this video and would like to boost it")
    tab.set_request_spark_days("14")  # not a TikTok duration: ignored
    tab.set_request_spark_days("365")
    [e async for e in tab.submit_request()]

    (request,) = _requests()
    assert (request.scope, request.spark_duration_days) == ("spark_code", 365)


async def test_remove_request_takes_it_off_the_table(app_db):
    cookie, mine, _ = _world()
    window = await open_tab(RightsRequestState, cookie=cookie)
    await window.open_request([mine])
    [e async for e in window.submit_request()]
    rights = await _rights_tab(cookie)
    (row,) = rights.rows
    remover = await rights.get_state(RightsRemoveState)

    done = await remover.remove_request(row.request_id)

    assert "removed" in str(done) and rights.rows == []
    with session_scope(current().engine) as s:
        (request,) = s.exec(select(RightsRequest)).all()
        assert request.withdrawn_at is not None
    again = await remover.remove_request(row.request_id)
    assert "no longer in this workspace" in str(again)


async def test_filters_come_from_the_url_and_changes_go_back_to_it(app_db):
    cookie, _, _ = _world()
    rights = await _rights_tab(cookie, "status=approved&scope=nonsense&responded_from=2026-01-02")

    assert (rights.filter_status, rights.filter_scope, rights.filter_responded_from) == (
        "approved",
        "",
        "2026-01-02",
    )
    assert rights.filters_shown == ["status", "responded"]
    assert rights.filter_notes == [
        "The scope in the link is not Usage Rights or Spark Code; showing both."
    ]
    rights.add_filter("scope")
    assert rights.filters_shown == ["status", "scope", "responded"]
    assert _redirect(rights.set_filter("scope", "spark_code")) == (
        "/rights?status=approved&scope=spark_code&responded_from=2026-01-02"
    )
    assert _redirect(rights.remove_filter("status")) == "/rights?responded_from=2026-01-02"
    # each change starts from the URL this tab is on (the redirects above were not followed)
    assert _redirect(rights.search_creator({"q": " @maker "})) == (
        "/rights?status=approved&responded_from=2026-01-02&q=maker"
    )
    assert _redirect(rights.clear_filters()) == "/rights"


def test_the_creator_page_says_the_median_response_time_in_a_persons_units():
    base = CreatorRow(1, "maker", "", "", 1, None, "Everyone", None, "")

    def said(span: timedelta | None, answered: int = 3) -> str:
        return median_text(replace(base, median_response=span, answered=answered))

    assert said(None, 0) == ""
    assert said(timedelta(minutes=45), 1) == "Median response time: 45 minutes (1 answer)"
    assert said(timedelta(hours=6)) == "Median response time: 6 hours (3 answers)"
    assert said(timedelta(days=3, hours=2)) == "Median response time: 3 days (3 answers)"
