"""State tests: the installed Deps' database, the demo's people signed in, and a tab of a page."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import reflex as rx

# Builds the app as the server does: every State class defined, and the live layer bound to
# the tab State it pushes to. Without it a test that announces a change (e.g. logging out other
# sessions) passed only when another test module had imported the app first.
import archive_app.archive_app  # noqa: F401
from archive_app.clock import app_clock
from archive_app.db import session_scope
from archive_app.deps import Deps, current
from archive_app.services import auth, demo


@pytest.fixture
def app_db(app_deps: Deps) -> Iterator[None]:
    """The database the States use: the installed ``Deps``' (``engine`` empties it after)."""
    yield


@dataclass(frozen=True)
class DemoPeople:
    owner: auth.Viewer
    owner_token: str
    member_token: str
    member_id: int


def sign_in_demo() -> DemoPeople:
    """The demo workspace, its owner and its member each signed in once."""
    now = app_clock().now()
    with session_scope(current().engine) as s:
        demo.seed_demo(s, now=now)
    with session_scope(current().engine) as s:
        owner = auth.log_in(s, email=demo.DEMO_OWNER, password=demo.DEMO_PASSWORD, ip="t", now=now)
        mate = auth.log_in(s, email=demo.DEMO_MEMBER, password=demo.DEMO_PASSWORD, ip="t", now=now)
        viewer = auth.require_viewer(s, token=owner.session_token, now=now)
    return DemoPeople(viewer, owner.session_token, mate.session_token, mate.user_id)


async def open_tab(cls: type[rx.State], *, cookie: str = "", path: str = "/feed", query: str = ""):
    """A fresh tab (its own tab token) on ``path``, as the browser's connect leaves it."""
    root = rx.State()
    root._update_router_vars(
        {
            "headers": {"cookie": cookie},
            "pathname": path,
            "asPath": f"{path}?{query}" if query else path,
            "query": dict(p.split("=", 1) for p in query.split("&") if p),
            "token": str(uuid.uuid4()),
        },
        {},
    )
    return await root.get_state(cls)


def navigate(state: rx.State, path: str, query: str = "") -> None:
    """The tab of ``state`` is now at ``path?query`` (as a redirect leaves it, before on_load)."""
    root = state
    while root.parent_state is not None:
        root = root.parent_state
    root._update_router_vars(
        {
            "headers": dict(state.router.headers.raw_headers),
            "pathname": path,
            "asPath": f"{path}?{query}" if query else path,
            "query": dict(p.split("=", 1) for p in query.split("&") if p),
            "token": state.router.session.client_token,
        },
        {},
    )
