"""Pins what each wrapper of ``archive_app/live/reflex_internals.py`` does on Reflex 0.10.1.

These wrappers are the only code that names Reflex internals (private attributes of the event
namespace, its token manager and the state managers). A Reflex upgrade may change any of them
without notice: when a test here fails after an upgrade, read the Reflex source the wrapper
names and fix the wrapper, not the test.
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import pytest
import reflex as rx
from reflex.app import EventNamespace
from reflex.istate.manager.memory import StateManagerMemory

# Builds the app as the server does (every State defined, live bound), like tests/states.
from archive_app.archive_app import app
from archive_app.live import reflex_internals as rxi
from archive_app.states.base import AppState


def _tab() -> str:
    return str(uuid.uuid4())


def test_reflex_is_the_version_the_wrappers_were_verified_on() -> None:
    assert rxi.installed_reflex() == rxi.PINNED_REFLEX == "0.10.1", (
        "Reflex changed: re-verify every wrapper in archive_app/live/reflex_internals.py "
        "against the new Reflex source (this file pins them), then move PINNED_REFLEX"
    )


async def test_a_fresh_state_delta_holds_the_changed_var_and_nothing_of_any_tab() -> None:
    def change(state: AppState) -> None:
        state.member_count = 7

    delta = await rxi.fresh_state_delta(AppState, change)

    assert list(delta) == [AppState.get_full_name()]
    assert delta[AppState.get_full_name()]["member_count_rx_state_"] == 7
    assert "router" not in str(delta) and "token" not in str(delta)


async def test_a_fresh_state_delta_of_no_change_is_empty() -> None:
    assert await rxi.fresh_state_delta(AppState, lambda state: None) == {}


def test_an_update_carries_its_delta_and_turns_event_specs_into_browser_events() -> None:
    update = rxi.make_update(delta={"s": {"v": 1}}, events=rx.toast.warning("Reconnect"))
    assert update.delta == {"s": {"v": 1}}
    (event,) = update.events
    assert event.name == "_call_function" and "Reconnect" in str(event.payload)

    handler_update = rxi.make_update(events=[AppState.recheck_access])
    assert [e.name for e in handler_update.events] == [f"{AppState.get_full_name()}.recheck_access"]
    empty = rxi.make_update()
    assert empty.delta == {} and empty.events == []


async def test_a_tab_is_connected_only_while_its_socket_is_linked_here() -> None:
    tab, other = _tab(), _tab()
    manager = app.event_namespace._token_manager  # what a socket's connect does
    assert await rxi.is_tab_connected(app, tab) is False
    assert await rxi.is_tab_connected(None, tab) is False
    await manager.link_token_to_sid(tab, "sid-1")
    try:
        assert await rxi.is_tab_connected(app, tab) is True
        assert rxi.sockets_held_here(app, [tab, other]) == (["sid-1"], [other])
    finally:
        await manager.disconnect_token(tab, "sid-1")
    assert await rxi.is_tab_connected(app, tab) is False
    assert rxi.sockets_held_here(app, [tab]) == ([], [tab])


async def test_emits_reach_the_linked_socket_as_one_event_frame(monkeypatch) -> None:
    namespace = app.event_namespace
    sent: list[tuple[str, Any, Any]] = []

    async def emit(event: str, data: Any, to: Any = None, **_: Any) -> None:
        sent.append((event, data, to))

    monkeypatch.setattr(namespace, "emit", emit)
    tab = _tab()
    update = rxi.make_update(events=rx.toast.info("hi"))
    await rxi.emit_to_sockets(app, update, ["sid-a", "sid-b"])
    await rxi.emit_to_tab(app, update, tab)  # no socket: Reflex sends nothing
    await namespace._token_manager.link_token_to_sid(tab, "sid-2")
    try:
        await rxi.emit_to_tab(app, update, tab)
    finally:
        await namespace._token_manager.disconnect_token(tab, "sid-2")

    assert sent == [("event", update, ["sid-a", "sid-b"]), ("event", update, "sid-2")]


async def test_a_modified_tab_state_is_kept_and_a_released_tab_starts_fresh() -> None:
    tab = _tab()
    async with rxi.modify_tab_state(app, tab, AppState) as state:
        assert state.member_count == 0
        state.member_count = 5
    async with rxi.modify_tab_state(app, tab, AppState) as state:
        assert state.member_count == 5, "the state manager kept the tab's change"

    await rxi.release_tab_state(app, tab, AppState)

    async with rxi.modify_tab_state(app, tab, AppState) as state:
        assert state.member_count == 0, "a replayed tab token finds no state"
    await rxi.release_tab_state(app, tab, AppState)


async def test_a_tab_whose_handler_holds_the_lock_is_not_released() -> None:
    tab = _tab()
    async with rxi.modify_tab_state(app, tab, AppState) as state:
        state.member_count = 3
        await rxi.release_tab_state(app, tab, AppState)  # a handler is running: left alone
    async with rxi.modify_tab_state(app, tab, AppState) as state:
        assert state.member_count == 3
    await rxi.release_tab_state(app, tab, AppState)


async def test_release_drops_a_tab_from_the_memory_state_manager_too() -> None:
    manager = StateManagerMemory()
    memory_app: Any = SimpleNamespace(state_manager=manager)
    tab = _tab()
    token = rx.BaseStateToken(ident=tab, cls=AppState.get_root_state())
    async with manager.modify_state(token) as root:
        (await root.get_state(AppState)).member_count = 4
    assert manager.states, "the memory manager holds the tab's state"

    await rxi.release_tab_state(memory_app, tab, AppState)

    assert tab not in str(list(manager.states))
    async with manager.modify_state(token) as root:
        assert (await root.get_state(AppState)).member_count == 0


async def test_the_socket_guard_runs_before_reflex_connects_and_reports_a_closed_tab() -> None:
    namespace = EventNamespace("/_event", app)  # a fresh one: the app's own is guarded already
    guarded: Any = SimpleNamespace(event_namespace=namespace)
    admitted: list[dict[str, Any]] = []
    closed: list[str] = []

    def admit(environ: dict[str, Any]) -> None:
        admitted.append(environ)
        raise ConnectionRefusedError("unknown tab")

    rxi.guard_socket_events(guarded, admit=admit, closed=lambda tab, cleanup: closed.append(tab))
    with pytest.raises(ConnectionRefusedError):
        await namespace.on_connect("sid-3", {"QUERY_STRING": "token=ws-1"})
    assert admitted == [{"QUERY_STRING": "token=ws-1"}]

    tab = _tab()
    await namespace._token_manager.link_token_to_sid(tab, "sid-4")
    cleanup = namespace.on_disconnect("sid-4")
    if cleanup is not None:
        await cleanup
    assert closed == [tab]
    assert await rxi.is_tab_connected(guarded, tab) is False, "Reflex forgot the socket"


def test_the_redis_check_and_reflexs_redis_client_agree() -> None:
    assert rxi.redis_in_use() is (rxi.shared_redis() is not None)


def test_the_static_build_dir_is_the_built_frontends_client_folder() -> None:
    path = rxi.static_build_dir()
    assert path.parts[-3:] == (".web", "build", "client")


def test_the_default_error_answer_is_one_browser_event() -> None:
    (spec,) = rxi.default_error_events(RuntimeError("boom"))
    assert isinstance(spec, rxi.EventSpec)
    assert rxi.make_update(events=spec).events, "it turns into an event for the tab"
