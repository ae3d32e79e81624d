"""The request window and Manage Rights through their event handlers: ids sent by a browser are
looked up in the viewer's own workspace, and a tampered var changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from archive_app.clock import app_clock
from archive_app.db import session_scope
from archive_app.deps import current
from archive_app.models.mentions import Mention
from archive_app.models.rights import RightsRequest
from archive_app.services.rights.manage import PAGE
from archive_app.states.args import BadEventArgs
from archive_app.states.rights import RightsState
from archive_app.states.rights_request import RightsRequestState
from tests import factories
from tests.states.conftest import navigate, open_tab, sign_in_demo
from tests.states.test_feed_state import _redirect


def _world() -> tuple[str, int, int]:
    """The demo owner's cookie, a video of the demo workspace, and one of another workspace."""
    people = sign_in_demo()
    now = app_clock().now()
    with session_scope(current().engine) as s:
        rival = factories.workspace(s, email="rival@other.com", name="Rival", now=now)
        videos = []
        for workspace_id in (people.owner.workspace_id, rival.workspace_id):
            maker = factories.creator(s, workspace_id=workspace_id, now=now, handle="statetest")
            videos.append(factories.mention(s, workspace_id=workspace_id, creator=maker, now=now))
        mine, theirs = (video.id or 0 for video in videos)
    return f"archive_session={people.owner_token}", mine, theirs


def _requests() -> list[RightsRequest]:
    with session_scope(current().engine) as s:
        return list(s.exec(select(RightsRequest)).all())


async def test_the_window_opens_for_our_video_and_not_for_another_workspaces(app_db):
    cookie, mine, theirs = _world()
    tab = await open_tab(RightsRequestState, cookie=cookie)

    refused = await tab.open_request([theirs])
    assert tab.request_open is False and "no longer in this workspace" in str(refused)

    assert await tab.open_request([mine]) is None
    assert tab.request_open is True and tab.request_creator == "statetest"
    assert "all digital media unless stated otherwise" in tab.request_message
    with pytest.raises(BadEventArgs):
        await tab.open_request("1")  # type: ignore[arg-type]
    with pytest.raises(BadEventArgs):
        await tab.open_request(list(range(1, 30)))


async def test_a_tampered_window_submits_nothing_of_another_workspace(app_db):
    cookie, mine, theirs = _world()
    tab = await open_tab(RightsRequestState, cookie=cookie)
    await tab.open_request([mine])
    tab.request_mention_ids = [theirs]  # vars are the browser's to change

    events = [e async for e in tab.submit_request()]

    assert _requests() == []
    assert any("no longer in this workspace" in str(e) for e in events)


async def test_an_empty_message_is_an_inline_error_and_nothing_is_saved(app_db):
    cookie, mine, _ = _world()
    tab = await open_tab(RightsRequestState, cookie=cookie)
    await tab.open_request([mine])
    tab.set_request_message("   ")

    [e async for e in tab.submit_request()]

    assert tab.request_error == "Write a message to the creator first."
    assert tab.request_open is True and _requests() == []


async def test_submitting_without_a_v1_source_queues_it_and_manage_rights_lists_it(app_db):
    cookie, mine, _ = _world()
    tab = await open_tab(RightsRequestState, cookie=cookie)
    await tab.open_request([mine])

    events = [e async for e in tab.submit_request()]

    (request,) = _requests()
    assert request.status == "in_queue" and request.queue_reason == "no_v1_source"
    assert tab.request_open is False
    assert any("is In Queue: Only a TikTok Account v.1 can send DMs" in str(e) for e in events)
    rights = await open_tab(RightsState, cookie=cookie, path="/rights")
    await rights.guard()
    await rights.load()
    assert [(r.creator_handle, r.status_label) for r in rights.rows] == [("statetest", "In Queue")]
    assert rights.rows[0].can_retry is True
    assert (rights.rows[0].fix_label, rights.rows[0].fix_href) == (
        "Connect a TikTok Account v.1",
        "/settings/sources",
    )


async def test_manage_rights_actions_refuse_a_request_of_another_workspace(app_db):
    cookie, _, theirs = _world()
    with session_scope(current().engine) as s:
        rival = s.get(Mention, theirs)
        assert rival is not None
        request_id = factories.rights_request(
            s,
            workspace_id=rival.workspace_id,
            creator_id=rival.creator_id,
            message="theirs",
            now=app_clock().now(),
        ).id
    tab = await open_tab(RightsState, cookie=cookie, path="/rights")
    await tab.guard()

    copied = await tab.copy_message(request_id)
    marked = [e async for e in tab.set_status(request_id, "approved")]
    retried = [e async for e in tab.retry_sending(request_id)]

    assert "no longer in this workspace" in str(copied) and "set_clipboard" not in str(copied)
    assert all("no longer in this workspace" in str(e) for e in marked + retried)
    assert _requests()[0].status == "in_queue"
    await tab.load()
    assert tab.rows == []


async def test_the_sender_picker_offers_active_v1_accounts_and_ignores_other_values(app_db):
    cookie, mine, _ = _world()
    with session_scope(current().engine) as s:
        mention = s.get(Mention, mine)
        assert mention is not None
        now = app_clock().now()
        ids = []
        for handle in ("brand.one", "brand.two"):
            source = factories.source(
                s,
                workspace_id=mention.workspace_id,
                now=now,
                cipher=current().cipher,
                handle=handle,
            )
            ids.append(str(source.id))
    tab = await open_tab(RightsRequestState, cookie=cookie)
    await tab.open_request([mine])
    assert [v.handle for v in tab.request_senders] == ["brand.one", "brand.two"]
    assert (tab.request_sender, tab.request_brand_handle) == (ids[0], "brand.one")

    tab.set_request_sender(ids[1])
    assert (tab.request_sender, tab.request_brand_handle) == (ids[1], "brand.two")
    tab.set_request_sender("999999")  # not one of ours: nothing changes
    assert (tab.request_sender, tab.request_brand_handle) == (ids[1], "brand.two")


async def test_show_more_adds_the_next_page_of_older_requests_and_a_filter_starts_over(app_db):
    cookie, mine, _ = _world()
    now = app_clock().now()
    with session_scope(current().engine) as s:
        mention = s.get(Mention, mine)
        assert mention is not None
        workspace_id, creator_id = mention.workspace_id, mention.creator_id
        for n in range(PAGE + 1):  # the oldest is n = PAGE
            at = now - timedelta(minutes=n)
            factories.rights_request(
                s, workspace_id=workspace_id, creator_id=creator_id, message=f"request {n}", now=at
            )
    tab = await open_tab(RightsState, cookie=cookie, path="/rights")
    await tab.guard()
    await tab.load()
    assert (len(tab.rows), tab.rows_capped) == (PAGE, True)
    await tab.show_more()
    assert (len(tab.rows), tab.rows_capped) == (PAGE + 1, False)
    ids = [r.request_id for r in tab.rows]
    assert ids == sorted(ids), "newest first (inserted first here); the oldest one came last"
    assert _redirect(tab.set_filter("status", "in_queue")) == "/rights?status=in_queue"
    navigate(tab, "/rights", "status=in_queue")  # where the redirect takes this tab
    await tab.load()
    assert (len(tab.rows), tab.rows_capped, tab.shown) == (PAGE, True, PAGE)
    assert tab.filter_status == "in_queue" and tab.filters_shown == ["status"]
