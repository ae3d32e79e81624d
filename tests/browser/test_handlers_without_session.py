"""Issue 18, section 5: every public event handler of every State, called over a real socket
with no session cookie, sends the tab to the login page (or does nothing) and logs no traceback.

The handlers are enumerated from the app's State tree (the same walk as
tests/states/test_client_callable_handlers.py), so a handler added later is called too.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
from collections.abc import Iterator
from typing import Any, get_type_hints
from urllib.parse import urlsplit

import pytest
import reflex as rx

import archive_app.archive_app  # noqa: F401  (builds the app: every State class is defined)
from archive_app import paths
from bench.tabs import Frame, Tab, boot_info
from tests.browser.conftest import Inbox, RunningApp, launch_app

LOGIN = "/login"
BATCH = 12  # tabs at a time
GUARDED = {paths.FEED, paths.CREATORS, paths.RIGHTS, paths.SOURCES, paths.TEAM, paths.PROFILE}


@pytest.fixture(scope="module")
def backend(inbox: Inbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    data_dir = tmp_path_factory.mktemp("no-session")
    with launch_app(data_dir, smtp_port=inbox.port, backend_only=True) as app:  # type: ignore[attr-defined]
        yield app


def _app_states() -> Iterator[type[rx.State]]:
    def walk(cls: type[rx.State]) -> Iterator[type[rx.State]]:
        for sub in cls.get_substates():
            yield sub
            yield from walk(sub)

    for cls in walk(rx.State):
        if cls.__module__.startswith("archive_app."):
            yield cls


def _sample(annotation: Any) -> Any:
    """A value of the shape a page of ours sends for a parameter of this type."""
    text = str(annotation)
    if annotation is int or text == "int":
        return 1
    if annotation is bool:
        return True
    if "list" in text:
        return [1]
    if "dict" in text:
        return {}
    return "x"


def _payload(cls: type[rx.State], name: str) -> dict[str, Any] | None:
    """Arguments a page would send; None for ``setvar`` of a class with no var setter."""
    if name == "setvar":
        setters = sorted(h for h in cls.event_handlers if h.startswith("set_"))
        var = next(
            (s.removeprefix("set_") for s in setters if s.removeprefix("set_") in cls.vars), None
        )
        return None if var is None else {"var_name": var, "value": "x"}
    fn = cls.event_handlers[name].fn
    hints = get_type_hints(fn)
    params = list(inspect.signature(fn).parameters.values())[1:]  # after self
    return {
        p.name: _sample(hints.get(p.name, str))
        for p in params
        if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }


def _handlers() -> list[tuple[str, dict[str, Any]]]:
    calls = []
    for cls in _app_states():
        for name in sorted(cls.event_handlers):
            payload = _payload(cls, name)
            if payload is not None:
                calls.append((f"{cls.get_full_name()}.{name}", payload))
    return calls


def _client_events(frames: list[Frame]) -> list[dict[str, Any]]:
    found = []
    for frame in frames:
        if frame.event == "event" and isinstance(frame.data, dict):
            found += [e for e in frame.data.get("events") or [] if isinstance(e, dict)]
    return found


def _redirect_targets(events: list[dict[str, Any]]) -> list[str]:
    return [
        str((e.get("payload") or {}).get("path", ""))
        for e in events
        if e.get("name") == "_redirect"
    ]


def test_every_handler_called_without_a_session_redirects_to_login_or_does_nothing(
    backend: RunningApp,
):
    calls = _handlers()
    assert len(calls) > 50  # the whole tree, not a hand-written few
    boot = boot_info()
    answers: dict[str, list[dict[str, Any]]] = {}

    async def call(name: str, payload: dict[str, Any]) -> None:
        # The login page is public: its page load redirects nowhere, so every redirect seen
        # after it is the handler's answer.
        async with Tab(backend.url, cookie=None, path=f"{LOGIN}/", boot=boot) as tab:
            await tab.wait_hydrated()
            await asyncio.sleep(0.2)
            seen = tab.frame_count
            await tab.emit(name, payload)
            # A processed event ends with a "final" update (a background one may not).
            with contextlib.suppress(TimeoutError):
                await tab.wait_for(
                    lambda f: f.event == "event" and f.data.get("final") is True, timeout=5
                )
            await asyncio.sleep(0.5)
            answers[name] = _client_events(list(tab.frames)[seen - tab.frame_count :])

    async def go() -> None:
        for start in range(0, len(calls), BATCH):
            await asyncio.gather(*(call(n, p) for n, p in calls[start : start + BATCH]))

    asyncio.run(go())
    log = backend.log_path.read_text()
    assert "Traceback" not in log, log[-6000:]
    assert "An error occurred" not in json.dumps(answers)
    # A redirect goes to the login page, or to a signed-in page whose guard sends it there
    # (e.g. the Feed's filters put in its URL).
    wrong = {
        name: targets
        for name, events in answers.items()
        if (targets := _redirect_targets(events))
        and not all(urlsplit(t).path.rstrip("/") in {LOGIN, *GUARDED} for t in targets)
    }
    assert wrong == {}
    # "Your session has ended" comes with the trip to the login page, not as a toast alone.
    toast_only = sorted(
        name.rsplit(".", 1)[-1]
        for name, events in answers.items()
        if "session has ended" in json.dumps(events)
        and not any(urlsplit(t).path == LOGIN for t in _redirect_targets(events))
    )
    assert toast_only == []
    acting = [n for n in answers if n.endswith((".disconnect", ".show_new", ".export_csv"))]
    assert len(acting) == 3 and all(_redirect_targets(answers[n]) == [LOGIN] for n in acting)
