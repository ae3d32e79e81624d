"""What TikTok's ``brand.mention.event`` webhook adds: a mention at once, in every open Feed.

The route (``api/webhooks.py``) has already checked the signature and remembered the event id,
so a redelivery never reaches this handler, and a failure here is redelivered.

TikTok sends the event 2-3 hours after the video was posted and documents only that it names a
new mention. When its content carries the video in the mention list's shape (the simulator's
does), we store that as it is. When it carries no more than ids, we read the source's mention
list at once instead (the same paging as the ``poll_mentions`` job), so either way the mention
is there before the next tick.
"""

from __future__ import annotations

import logging

from archive_app import live
from archive_app.deps import Deps
from archive_app.integrations.tiktok.mentions import media_origin, video_from_wire
from archive_app.integrations.tiktok.webhooks import BrandMention
from archive_app.services.mentions import ingest as mention_service
from archive_app.services.mentions import poll as mention_poll

log = logging.getLogger(__name__)


async def on_mention_event(event: BrandMention, *, deps: Deps) -> int:
    """Returns how many new mentions it added (over every workspace with that account)."""
    now = deps.clock.now()
    video = video_from_wire(
        event.content, default_time=event.created_at, http_origin=media_origin(deps.settings)
    )
    if video is not None:
        result = await deps.db(
            lambda s: mention_service.ingest_event(
                s, open_id=event.user_openid, kind=event.kind, video=video, now=now
            )
        )
        added, workspace_ids = result.new_mentions, result.workspace_ids
    else:
        source_ids = await deps.db(
            lambda s: mention_service.event_sources(s, open_id=event.user_openid, kind=event.kind)
        )
        log.info("brand.mention.event without a video: reading %d source(s)", len(source_ids))
        if not source_ids:
            return 0
        outcome = await mention_poll.poll_all(
            deps.db, deps.gateway, cipher=deps.cipher, now=now, source_ids=set(source_ids)
        )
        added, workspace_ids = outcome.new_mentions, outcome.workspace_ids
    for workspace_id in sorted(workspace_ids):
        await live.announce(workspace_id, now=now, topics=[live.Topic.mentions])
    return added
