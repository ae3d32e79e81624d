"""What :func:`archive_app.live.bind` and each worker's lifespan set, shared by the package.

One place for the app, the per-tab state, the registry and the Redis connection, so the
sockets, channel and push modules read the same values without importing one another (or the
package itself: that would be an import cycle). Also the background-task helper they share.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from archive_app.live.registry import MemoryTabs

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from reflex.app import App

    from archive_app.live.reflex_internals import BaseState

log = logging.getLogger("archive_app.live")

CHANNEL = "archive:live:announce"  # + the Redis database: pub/sub channels span databases


class Topic(StrEnum):
    """What else changed, besides the workspace view every announcement pushes.

    Each topic names event handlers (registered by archive_app.py with ``live.on_topic``)
    that an open tab of the workspace is asked to run. A handler returns at once unless its page
    is the one showing; else the tab reloads what it shows of that topic through its own state,
    with its own viewer and membership check.
    """

    mentions = "mentions"
    rights = "rights"


class Bound:
    app: App | None = None
    tab_state: type[BaseState] | None = None
    # Topic -> the event handlers (e.g. ``FeedState.mentions_changed``) a tab runs for it.
    topic_events: dict[Topic, list[Any]] = {}
    registry = MemoryTabs()
    # Set in each worker's lifespan (workers are forked after the app is imported).
    redis: Redis | None = None
    worker_id = ""
    channel = CHANNEL
    # Background work in flight (kept so it is not garbage-collected mid-way).
    tasks: set[asyncio.Task[None]] = set()


def bound_app() -> App:
    if Bound.app is None:
        raise RuntimeError("live.bind(app) was not called")
    return Bound.app


def spawn(work: Coroutine[Any, Any, None]) -> None:
    task: asyncio.Task[None] = asyncio.get_running_loop().create_task(work)
    Bound.tasks.add(task)
    task.add_done_callback(_finished)


def _finished(task: asyncio.Task[None]) -> None:
    Bound.tasks.discard(task)
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("live update failed: %r", error, exc_info=error)
