"""The page-load check of every tab that asks at the same moment, in one unit of work.

Every signed-in page's ``on_load`` starts with ``AppState.guard``: whose session cookie is this
(``auth.current_viewer``) and what does their workspace show (``load_workspace_view``: sources,
alerts, members, the sessions that may see it). Alone, that is a unit of work per tab of about
ten round trips to the database (checkout ping, BEGIN, seven queries, COMMIT) on a thread of its
own. When many tabs load at once (a replica died and its tabs reconnect to another: 500 in a
few seconds) that was half of the server's CPU per tab (bench/hydrate.py).

So the checks that are waiting share one unit of work: each distinct cookie is looked up once
and each distinct workspace's view is loaded once, and every tab gets the answer for its own
cookie. A check only joins a batch that has not started reading, so its answer was read after
it asked: the one it would have had alone, at most one batch later. One batch reads at a time;
the checks that arrive meanwhile wait for the next one. Errors reach every check of the batch,
as each would have met them alone.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlmodel import Session

from archive_app.deps import current, run_db
from archive_app.services import auth as auth_service
from archive_app.services.auth import Viewer
from archive_app.services.workspace_view import WorkspaceView, load_workspace_view


@dataclass(frozen=True)
class PageLoad:
    """What a signed-in tab's page load needs: who it is, and what its workspace shows."""

    viewer: Viewer
    view: WorkspaceView


Answer = PageLoad | None
Runner = Callable[[Callable[[Session], dict[str, Answer]]], Awaitable[dict[str, Answer]]]


@dataclass
class _Batch:
    # cookie token -> the checks waiting for it (a person's tabs share their cookie)
    waiting: dict[str, list[asyncio.Future[Answer]]] = field(default_factory=dict)
    started: bool = False  # set on the database thread when the reading begins


class PageChecks:
    """Coalesces concurrent page-load checks on one event loop (a worker's).

    ``run`` runs a unit of work (default: the installed ``Deps``' ``run_db``, looked up at each
    batch); tests pass their own to hold a batch while others arrive.
    """

    def __init__(self, run: Runner | None = None) -> None:
        self._run = run
        # Held briefly by the event loop (joining) and by the database thread (starting).
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next: _Batch | None = None
        self._reader: asyncio.Task[None] | None = None

    async def check(self, token: str | None) -> Answer:
        """The viewer of this session cookie and their workspace's view; None when the cookie
        is missing, unknown or expired, or its person left the workspace."""
        if not token:
            return None  # no query needed (``current_viewer`` says None at once)
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Answer] = loop.create_future()
        with self._lock:
            if self._loop is not loop:  # a new event loop (tests): nothing carries over
                self._loop, self._next, self._reader = loop, None, None
            if self._next is None or self._next.started:
                self._next = _Batch()
            self._next.waiting.setdefault(token, []).append(answer)
            if self._reader is None or self._reader.done():
                self._reader = loop.create_task(self._read_batches())
        return await answer

    async def _read_batches(self) -> None:
        while True:
            with self._lock:
                batch = self._next
                if batch is None or batch.started or not batch.waiting:
                    self._reader = None
                    return
            answers: dict[str, Answer] = {}
            failed: Exception | None = None
            try:
                answers = await (self._run or run_db)(functools.partial(self._read, batch=batch))
            except Exception as error:
                failed = error
            finally:
                with self._lock:
                    batch.started = True  # also when it failed before reading: never again
            for token, futures in batch.waiting.items():
                for future in futures:
                    if future.done():  # a check whose tab went away was cancelled
                        continue
                    if failed is not None:
                        future.set_exception(failed)
                    else:
                        future.set_result(answers.get(token))

    def _read(self, session: Session, *, batch: _Batch) -> dict[str, Answer]:
        """On the database thread: close the batch to newcomers, then read for all of it."""
        with self._lock:
            batch.started = True
            tokens = list(batch.waiting)
        now = current().clock.now()
        viewers = {t: auth_service.current_viewer(session, token=t, now=now) for t in tokens}
        views = {
            workspace_id: load_workspace_view(session, workspace_id=workspace_id, now=now)
            for workspace_id in sorted({v.workspace_id for v in viewers.values() if v})
        }
        return {t: PageLoad(v, views[v.workspace_id]) if v else None for t, v in viewers.items()}


page_checks = PageChecks()
