"""What TikTok's webhooks change for sources: a removed authorization disconnects them."""

from __future__ import annotations

import logging

from archive_app import live
from archive_app.api.deps import run_db
from archive_app.clock import Clock
from archive_app.integrations.tiktok.webhooks import AuthorizationRemoved, TikTokEvent
from archive_app.services import sources as source_service

log = logging.getLogger(__name__)


async def on_tiktok_event(event: TikTokEvent, *, clock: Clock) -> None:
    if not isinstance(event, AuthorizationRemoved):
        log.info("tiktok webhook ignored: %s", type(event).__name__)
        return
    now = clock.now()
    changed = await run_db(
        lambda s: source_service.grant_removed(
            s, open_id=event.user_openid, kind=event.kind, reason=event.reason, now=now
        )
    )
    for workspace_id in sorted({ws for ws, _ in changed}):
        await live.publish_sources(workspace_id, now=now)
