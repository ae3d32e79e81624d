"""What TikTok's webhooks change for sources: a removed authorization disconnects them."""

from __future__ import annotations

import logging

from archive_app import live
from archive_app.deps import Deps
from archive_app.integrations.tiktok.webhooks import AuthorizationRemoved, TikTokEvent
from archive_app.services.sources import health
from archive_app.services.sources.disconnection_mail import Links

log = logging.getLogger(__name__)


async def on_tiktok_event(event: TikTokEvent, *, deps: Deps, links: Links) -> bool:
    """Returns True when mail was queued (the caller can ask the outbox to go now)."""
    if not isinstance(event, AuthorizationRemoved):
        log.info("tiktok webhook ignored: %s", type(event).__name__)
        return False
    now = deps.clock.now()
    changed = await deps.db(
        lambda s: health.grant_removed(
            s,
            open_id=event.user_openid,
            kind=event.kind,
            reason=event.reason,
            now=now,
            links=links,
        )
    )
    for workspace_id in sorted({ws for ws, _ in changed}):
        await live.announce(workspace_id, now=now)
    return bool(changed)
