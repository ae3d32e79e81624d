"""The Redis channel between workers: with several workers, each one hears every announcement.

A tab's socket lives on one worker, so an announcement made on one worker is published here
and every other worker with open tabs of that workspace loads the view and pushes to its own
tabs. Nothing but the workspace, the time, the topics and the sender crosses the channel (no
view, no session), and a worker with no tab of the workspace does no database work at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any

from archive_app.live.bound import CHANNEL, Bound, Topic, bound_app, spawn
from archive_app.live.push import load_view, push_local
from archive_app.live.reflex_internals import revive_redis_subscriptions, shared_redis

__all__ = ["CHANNEL", "keep_reflex_subscriptions", "listen_to_other_workers", "publish"]

log = logging.getLogger("archive_app.live")


async def publish(
    workspace_id: int, *, now: datetime, topics: Iterable[Topic] = (), view: bool = True
) -> None:
    """Tell the other workers (if there are any: only with Redis) that the workspace changed."""
    if Bound.redis is not None:
        message = {
            "workspace_id": workspace_id,
            "now": now.isoformat(),
            "worker": Bound.worker_id,
            "topics": [str(t) for t in topics],
            "view": view,
        }
        try:
            await Bound.redis.publish(Bound.channel, json.dumps(message))
        except Exception:  # the other workers' tabs catch up at their next page load
            log.exception("could not tell the other workers about workspace %s", workspace_id)


@contextlib.asynccontextmanager
async def listen_to_other_workers(_app: Any = None) -> AsyncIterator[None]:
    """Every worker hears every other worker's announcements (one Redis channel)."""
    Bound.redis = shared_redis()
    Bound.worker_id = uuid.uuid4().hex
    db = Bound.redis.connection_pool.connection_kwargs.get("db", 0) if Bound.redis else 0
    Bound.channel = f"{CHANNEL}:{db}"
    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(_listen()), loop.create_task(keep_reflex_subscriptions(bound_app()))]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        Bound.redis = None


# How often a worker checks that Reflex's own Redis subscriptions still run.
REVIVE_EVERY_SECONDS = 2.0


async def keep_reflex_subscriptions(app: Any, *, every: float = REVIVE_EVERY_SECONDS) -> None:
    """Reflex stops a Redis subscription for good after 5 errors in a minute (one Redis restart
    can do it); this starts it again, so a Redis blip never leaves the worker half-deaf."""
    while True:
        await asyncio.sleep(every)
        try:
            revived = revive_redis_subscriptions(app)
        except Exception:
            log.exception("could not check Reflex's Redis subscriptions")
            continue
        for name in revived:
            log.warning("Reflex's %s subscription on Redis had stopped; started it again", name)


async def _listen() -> None:
    redis = Bound.redis
    assert redis is not None
    while True:
        try:
            async with redis.pubsub() as pubsub:
                await pubsub.subscribe(Bound.channel)
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        spawn(_on_announcement(message.get("data")))
        except asyncio.CancelledError:
            raise
        except Exception:  # Redis restarted or the connection dropped: listen again
            log.warning("lost the live channel on Redis; listening again in 1 s")
            await asyncio.sleep(1)


async def _on_announcement(data: Any) -> None:
    try:
        message = json.loads(data)
        workspace_id = int(message["workspace_id"])
        now = datetime.fromisoformat(message["now"])
        sender = str(message["worker"])
        topics = [Topic(t) for t in message.get("topics", [])]
        with_view = bool(message.get("view", True))
    except (ValueError, TypeError, KeyError):
        log.warning("ignored a malformed message on %s", Bound.channel)
        return
    if sender == Bound.worker_id or not await Bound.registry.tabs(workspace_id):
        return  # ours, or no tab of that workspace here: no database work at all
    view = await load_view(workspace_id, now=now) if with_view else None
    await push_local(view, workspace_id=workspace_id, topics=topics)
