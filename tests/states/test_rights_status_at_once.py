"""`Set status` shows in the tab that acted at once (issue 21, item 10): the row changes before
the database is written, and a refused change puts back what is true."""

from __future__ import annotations

from sqlmodel import delete

from archive_app.db import session_scope
from archive_app.deps import current
from archive_app.models.rights import RightsRequest
from archive_app.states.rights import RightsState
from archive_app.states.rights_request import RightsRequestState
from tests.states.conftest import open_tab
from tests.states.test_rights_states import _requests, _world


async def _queued_request_on_manage_rights() -> tuple[RightsState, int]:
    cookie, mine, _ = _world()
    window = await open_tab(RightsRequestState, cookie=cookie)
    await window.open_request([mine])
    [e async for e in window.submit_request()]
    (request,) = _requests()
    tab = await open_tab(RightsState, cookie=cookie, path="/rights")
    await tab.guard()
    await tab.load()
    return tab, request.id or 0


async def test_the_acting_tab_shows_the_new_status_before_the_change_is_written(app_db):
    tab, request_id = await _queued_request_on_manage_rights()
    events = tab.set_status(request_id, "approved")
    await events.__anext__()  # the first update the browser gets
    assert (tab.rows[0].status_label, tab.rows[0].badge) == ("Approved", "green")
    assert _requests()[0].status == "in_queue", "shown before it is written"
    rest = [e async for e in events]
    assert _requests()[0].status == "approved"
    assert "Marked as Approved." in str(rest)


async def test_a_refused_change_puts_the_true_status_back(app_db):
    tab, request_id = await _queued_request_on_manage_rights()
    with session_scope(current().engine) as s:
        s.exec(delete(RightsRequest))  # type: ignore[call-overload]
    events = [e async for e in tab.set_status(request_id, "declined")]
    assert tab.rows == [], "the table read again: the request is gone"
    assert "no longer in this workspace" in str(events)
