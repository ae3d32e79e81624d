"""The live layer's rules, below the socket: which tabs may hold a workspace's view."""

from __future__ import annotations

import uuid
from datetime import timedelta
from types import SimpleNamespace

from archive_app import live
from archive_app.clock import app_clock
from archive_app.crypto import sha256_hex
from archive_app.db import session_scope
from archive_app.deps import current
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.services import auth, demo
from archive_app.services import team as team_service
from archive_app.services.workspace_view import load_workspace_view
from archive_app.states.base import AppState
from tests import factories
from tests.states.conftest import open_tab, sign_in_demo


def _demo() -> tuple[auth.Viewer, str, str, int]:
    """The demo's people signed in, and one connected source in their workspace."""
    people = sign_in_demo()
    now = app_clock().now()
    with session_scope(current().engine) as s:
        factories.source(
            s,
            workspace_id=people.owner.workspace_id,
            now=now,
            cipher=current().cipher,
            handle="demobrand",
            kind=Kind.tiktok_v2,
            deadline_at=now + timedelta(days=360),
        )
    return people.owner, people.owner_token, people.member_token, people.member_id


async def _tab(cookie: str) -> AppState:
    return await open_tab(AppState, cookie=cookie, path="/settings/sources")


def test_tab_tokens_are_the_shape_the_browser_makes():
    assert live.is_tab_token(str(uuid.uuid4()))
    # generateUUID() puts any of 8-f in the variant place: not RFC 4122, still a real tab.
    assert live.is_tab_token("3f2a9c1e-7b4d-4e1a-c3f0-9a8b7c6d5e4f")
    for forged in ("ws-1", "", "3F2A9C1E-7B4D-4E1A-83F0-9A8B7C6D5E4F", str(uuid.uuid1()), None):
        assert not live.is_tab_token(forged)
    assert not live.is_tab_token(str(uuid.uuid4()) + "\n")


async def test_the_registry_forgets_a_closed_tab_and_a_tab_that_moved():
    tabs = live.MemoryTabs()
    await tabs.add("a", workspace_id=1, session_hash="s10")
    await tabs.add("b", workspace_id=1, session_hash="s11")
    await tabs.add("c", workspace_id=2, session_hash="s12")
    assert await tabs.tabs(1) == {"a": "s10", "b": "s11"}
    await tabs.remove("a")
    await tabs.add("b", workspace_id=2, session_hash="s11")  # the same tab, now workspace 2
    assert await tabs.tabs(1) == {}
    assert await tabs.tabs(2) == {"c": "s12", "b": "s11"}
    assert await tabs.count() == 2


def test_the_view_lists_only_sessions_of_current_members(app_db):
    viewer, owner_token, mate_token, mate_id = _demo()
    now = app_clock().now()
    with session_scope(current().engine) as s:
        view = load_workspace_view(s, workspace_id=viewer.workspace_id, now=now)
    assert {sha256_hex(owner_token), sha256_hex(mate_token)} <= view.session_hashes
    assert view.member_count == 2
    with session_scope(current().engine) as s:
        team_service.remove_member(s, actor=viewer.actor, member_user_id=mate_id)
    with session_scope(current().engine) as s:
        view = load_workspace_view(s, workspace_id=viewer.workspace_id, now=now)
        later = load_workspace_view(
            s, workspace_id=viewer.workspace_id, now=now + auth.SESSION_LIFETIME + timedelta(1)
        )
    assert sha256_hex(mate_token) not in view.session_hashes
    assert view.member_count == 1
    assert later.session_hashes == frozenset()  # ended sessions see nothing either


async def test_a_pushed_view_shows_in_a_members_tab(app_db):
    viewer, owner_token, _, _ = _demo()
    tab = await _tab(f"archive_session={owner_token}")
    await tab.guard()
    with session_scope(current().engine) as s:
        view = load_workspace_view(s, workspace_id=viewer.workspace_id, now=app_clock().now())
    tab.sources = []
    assert tab._apply_workspace_view(view) is True
    assert [v.handle for v in tab.sources] == [r.handle for r in view.sources]
    assert tab.member_count == 2


async def test_a_removed_members_tab_is_cleared_and_gets_nothing(app_db):
    viewer, _, mate_token, mate_id = _demo()
    tab = await _tab(f"archive_session={mate_token}")
    await tab.guard()
    assert tab.signed_in and tab.workspace_id == viewer.workspace_id
    with session_scope(current().engine) as s:
        team_service.remove_member(s, actor=viewer.actor, member_user_id=mate_id)
    with session_scope(current().engine) as s:
        view = load_workspace_view(s, workspace_id=viewer.workspace_id, now=app_clock().now())
    assert view.sources, "the demo workspace has sources to leak"
    assert tab._apply_workspace_view(view) is False
    assert tab.sources == [] and tab.alerts == [] and tab.member_count == 0
    assert tab.signed_in is False and tab.email == ""


async def test_the_prepared_update_carries_the_view_and_nothing_of_the_viewer(app_db):
    viewer, _, _, _ = _demo()
    with session_scope(current().engine) as s:
        view = load_workspace_view(s, workspace_id=viewer.workspace_id, now=app_clock().now())
    delta = await AppState._view_delta(view)
    assert list(delta) == [AppState.get_full_name()]
    shown = delta[AppState.get_full_name()]
    assert "demobrand" in str(shown["sources_rx_state_"])
    assert shown["member_count_rx_state_"] == 2
    assert demo.DEMO_OWNER not in str(delta) and "session" not in str(delta)


class _Sockets:
    """Stands in for Reflex's event namespace and its token manager: every tab is connected
    to this worker (its socket id is its token); updates are recorded per tab."""

    instance_id = "this-worker"

    def __init__(self) -> None:
        self.sent: dict[str, list] = {}
        self._token_manager = self
        self.token_to_socket = _EveryTabHere()

    async def is_token_connected(self, token: str) -> bool:
        return True

    async def emit_update(self, update, token: str) -> None:
        self.sent.setdefault(token, []).append(update)

    async def emit(self, event: str, update, to: list[str]) -> None:
        assert event == "event"
        for sid in to:
            self.sent.setdefault(sid, []).append(update)


class _EveryTabHere:
    def get(self, token: str):
        return SimpleNamespace(sid=token, instance_id=_Sockets.instance_id)


class _App:
    def __init__(self) -> None:
        self.event_namespace = _Sockets()


def _bind_fresh(monkeypatch) -> _App:
    """live bound to a recording app, with no topic handlers and no tab registered yet."""
    app = _App()
    monkeypatch.setattr(live.Bound, "app", app)
    monkeypatch.setattr(live.Bound, "tab_state", AppState)
    monkeypatch.setattr(live.Bound, "topic_events", {})
    monkeypatch.setattr(live.Bound, "registry", live.MemoryTabs())
    return app


async def test_a_topic_adds_its_handler_to_each_tabs_update_and_no_topic_adds_none(
    app_db, monkeypatch
):
    viewer, owner_token, mate_token, _ = _demo()
    app = _bind_fresh(monkeypatch)
    live.on_topic(live.Topic.mentions, AppState.recheck_access)
    tabs = {str(uuid.uuid4()): owner_token, str(uuid.uuid4()): mate_token}
    for tab, token in tabs.items():
        await live.register_tab(
            tab, workspace_id=viewer.workspace_id, session_hash=sha256_hex(token)
        )

    await live.announce(viewer.workspace_id, now=app_clock().now())
    plain = app.event_namespace.sent
    assert set(plain) == set(tabs)
    assert all(update.events == [] for updates in plain.values() for update in updates)

    app.event_namespace.sent = {}
    await live.announce(
        viewer.workspace_id, now=app_clock().now(), topics=[live.Topic.mentions, "rights"]
    )
    for tab in tabs:
        (update,) = app.event_namespace.sent[tab]
        assert [e.name for e in update.events] == [f"{AppState.get_full_name()}.recheck_access"], (
            "one event: the mentions handler; rights has none registered"
        )


async def test_a_topics_only_announcement_loads_no_view_and_sends_every_tab_the_handlers(
    app_db, monkeypatch
):
    viewer, owner_token, mate_token, _ = _demo()
    app = _bind_fresh(monkeypatch)

    async def no_view(*args, **kwargs):
        raise AssertionError("a topics-only announcement must not load the workspace view")

    monkeypatch.setattr(live, "load_view", no_view)
    live.on_topic(live.Topic.mentions, AppState.recheck_access)
    tabs = {str(uuid.uuid4()): owner_token, str(uuid.uuid4()): mate_token}
    for tab, token in tabs.items():
        await live.register_tab(
            tab, workspace_id=viewer.workspace_id, session_hash=sha256_hex(token)
        )

    await live.announce(
        viewer.workspace_id, now=app_clock().now(), view=False, topics=[live.Topic.mentions]
    )
    for tab in tabs:
        (update,) = app.event_namespace.sent[tab]
        assert update.delta == {}
        assert [e.name for e in update.events] == [f"{AppState.get_full_name()}.recheck_access"]


async def test_the_acting_tab_is_skipped_and_handed_its_view_and_topic_handlers(
    app_db, monkeypatch
):
    viewer, owner_token, mate_token, _ = _demo()
    app = _bind_fresh(monkeypatch)
    live.on_topic(live.Topic.rights, AppState.recheck_access)
    mine, other = str(uuid.uuid4()), str(uuid.uuid4())
    for tab, token in ((mine, owner_token), (other, mate_token)):
        await live.register_tab(
            tab, workspace_id=viewer.workspace_id, session_hash=sha256_hex(token)
        )

    me = live.Acting(mine)
    reset = live.acting.set(me)
    try:
        await live.announce(viewer.workspace_id, now=app_clock().now(), topics=["rights"])
    finally:
        live.acting.reset(reset)
    assert mine not in app.event_namespace.sent  # its state is held by its own handler
    assert other in app.event_namespace.sent
    assert me.view is not None and me.view.workspace_id == viewer.workspace_id
    assert me.handlers == [AppState.recheck_access]
