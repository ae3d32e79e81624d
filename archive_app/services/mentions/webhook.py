"""What TikTok's ``brand.mention.event`` webhook adds: a mention at once, in every open Feed.

The route (``api/webhooks.py``) has already checked the signature and remembered the event id,
so a redelivery never reaches this handler, and a failure here is redelivered; the handler
table (``jobs/tiktok_events.py``) calls this. The Feed tabs hear of new mentions through the
``MentionsAdded`` event that ingesting records.

TikTok sends the event 2-3 hours after the video was posted and documents only that it names a
new mention. When its content carries the video in the mention list's shape (the simulator's
does), we store that as it is. When it carries no more than ids, we read the source's mention
list at once instead (the same paging as the ``poll_mentions`` job), so either way the mention
is there before the next tick.
"""

from __future__ import annotations

import logging
from datetime import datetime

from archive_app.crypto import TokenCipher
from archive_app.db import Db
from archive_app.integrations.tiktok.mentions import video_from_wire
from archive_app.integrations.tiktok.webhooks import BrandMention
from archive_app.services.mentions import ingest as mention_service
from archive_app.services.mentions import poll as mention_poll

log = logging.getLogger(__name__)


async def on_mention_event(
    event: BrandMention,
    *,
    db: Db,
    gateway_for: mention_poll.GatewayFor,
    cipher: TokenCipher,
    now: datetime,
    http_origin: str,
) -> int:
    """Returns how many new mentions it added (over every workspace with that account)."""
    video = video_from_wire(event.content, default_time=event.created_at, http_origin=http_origin)
    if video is not None:
        result = await db(
            lambda s: mention_service.ingest_event(
                s, open_id=event.user_openid, kind=event.kind, video=video, now=now
            )
        )
        added = result.new_mentions
    else:
        source_ids = await db(
            lambda s: mention_service.event_sources(s, open_id=event.user_openid, kind=event.kind)
        )
        log.info("brand.mention.event without a video: reading %d source(s)", len(source_ids))
        if not source_ids:
            return 0
        outcome = await mention_poll.poll_all(
            db, gateway_for, cipher=cipher, now=now, source_ids=set(source_ids)
        )
        added = outcome.new_mentions
    return added
