"""Sending to this worker's own open tabs: a prepared view update, a send-away, browser events.

Only sockets this worker holds are written to (a tab's socket lives on one worker); the Redis
channel (``channel.py``) is how the other workers hear to do the same for theirs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from archive_app.deps import run_db
from archive_app.live import reflex_internals as rxi
from archive_app.live.bound import Bound, Topic, bound_app
from archive_app.live.reflex_internals import TabUpdate
from archive_app.services.workspace_view import WorkspaceView, load_workspace_view

log = logging.getLogger("archive_app.live")


class TabView(Protocol):
    """The per-tab state that shows a workspace view (``AppState``)."""

    def _apply_workspace_view(self, view: WorkspaceView) -> bool:
        """Show ``view`` if this tab's session may see it; else clear the tab and say False."""
        ...

    @classmethod
    async def _view_delta(cls, view: WorkspaceView) -> dict[str, Any]:
        """The update (Reflex delta) that shows ``view`` in a tab."""
        ...


async def load_view(workspace_id: int, *, now: datetime) -> WorkspaceView:
    return await run_db(
        lambda session: load_workspace_view(session, workspace_id=workspace_id, now=now)
    )


async def push_local(
    view: WorkspaceView | None,
    *,
    workspace_id: int,
    skip_tab: str | None = None,
    topics: Iterable[Topic] = (),
) -> None:
    """Push to this worker's open tabs of a workspace: a view, the events of ``topics``, or both.

    With a view, a tab whose session may see it gets one prepared update (the same for every
    tab: no state is loaded per tab), carrying the events of ``topics`` (each tab then reloads
    that topic itself, through its own checks); a tab whose session may not is cleared and sent
    away. Without one (``view=False`` announcements), every open tab gets the topics' events
    only, and their handlers do the session check.
    """
    tabs = await Bound.registry.tabs(workspace_id)
    tabs.pop(skip_tab or "", None)
    if not tabs:
        return
    state_cls = Bound.tab_state
    assert state_cls is not None
    handlers = [h for t in dict.fromkeys(topics) for h in Bound.topic_events.get(t, [])]
    if view is None:
        if handlers:
            await _send_to_all(list(tabs), rxi.make_update(events=handlers))
        return
    allowed = [t for t, session in tabs.items() if session in view.session_hashes]
    refused = [t for t in tabs if t not in allowed]
    if allowed:
        tab_view: TabView = state_cls  # type: ignore[assignment]
        update = rxi.make_update(delta=await tab_view._view_delta(view), events=handlers or None)
        await _send_to_all(allowed, update)
    for tab in refused:
        await _send_away(tab, view)


async def _send_to_all(tabs: list[str], update: TabUpdate) -> None:
    """One update for many tabs: the sockets this worker holds get one socket.io emit, which
    encodes the frame once (1,000 tabs: one JSON encoding, not 1,000); the rest go one by one
    (Reflex hands a tab of another worker to Redis, or the tab has closed)."""
    app = bound_app()
    here, elsewhere = rxi.sockets_held_here(app, tabs)
    if here:
        try:
            await rxi.emit_to_sockets(app, update, here)
        except Exception:  # the emit writes each socket in its own task; log, never raise
            log.exception("could not push to %d tabs", len(here))
    await asyncio.gather(*(_send(tab, update) for tab in elsewhere))


async def _send(tab: str, update: TabUpdate) -> None:
    app = bound_app()
    if not await tab_is_open(tab):
        await Bound.registry.remove(tab)  # closed while we were not looking
        return
    try:
        await rxi.emit_to_tab(app, update, tab)
    except Exception:  # one broken socket must not stop the others
        log.exception("could not reach tab %s", tab)


async def _send_away(tab: str, view: WorkspaceView) -> None:
    """A tab whose session lost the workspace: clear its state, unlink it, send it to log in."""
    await Bound.registry.remove(tab)
    if not await tab_is_open(tab):
        return
    state_cls = Bound.tab_state
    assert state_cls is not None
    try:
        async with rxi.modify_tab_state(bound_app(), tab, state_cls) as state:
            tab_state: TabView = state  # type: ignore[assignment]
            tab_state._apply_workspace_view(view)  # fails its check: clears the tab
    except Exception:
        log.exception("could not clear tab %s", tab)
        return
    recheck = getattr(state_cls, "recheck_access", None)
    if recheck is not None:
        await send_to_tab(tab, recheck)


async def tab_is_open(token: str) -> bool:
    """Whether this tab still has a live websocket (background loops stop when it closes)."""
    # No server (a State under test): no socket is open.
    return await rxi.is_tab_connected(Bound.app, token)


async def send_to_tab(tab: str, events: Any) -> None:
    """Browser events (a toast, a handler call) for one open tab; nothing if it closed."""
    await _send(tab, rxi.make_update(events=events))
