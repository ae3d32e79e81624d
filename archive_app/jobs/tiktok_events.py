"""TikTok's webhook events, one table like ``JOBS``: each event type names its handler.

``api/webhooks.py`` checks the signature and remembers the event id, then calls :func:`handle`;
a handler that raises makes the route answer 500, so TikTok redelivers. Handlers do domain work
through services only; what open tabs and jobs should do about it follows from the events the
services record (``dispatch.py``), never from here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import Any

from archive_app.deps import Deps
from archive_app.integrations.tiktok.mentions import media_origin
from archive_app.integrations.tiktok.webhooks import AuthorizationRemoved, BrandMention, TikTokEvent
from archive_app.services.mentions import webhook as mention_webhook
from archive_app.services.sources import health

log = logging.getLogger(__name__)

Handler = Callable[[Any, Deps], Awaitable[None]]


async def authorization_removed(event: AuthorizationRemoved, deps: Deps) -> None:
    """The account's owner removed Archive's access: its sources disconnect; the pop-up and
    the alert mail follow from the events (SourcesChanged, MailQueued)."""
    now = deps.clock.now()
    links = deps.links
    await deps.db(
        lambda s: health.grant_removed(
            s,
            open_id=event.user_openid,
            kind=event.kind,
            reason=event.reason,
            now=now,
            links=links,
        )
    )


async def brand_mentioned(event: BrandMention, deps: Deps) -> None:
    """A new mention of the brand: stored at once (MentionsAdded tells the Feed tabs)."""
    await mention_webhook.on_mention_event(
        event,
        db=deps.db,
        gateway_for=deps.gateway,
        cipher=deps.cipher,
        now=deps.clock.now(),
        http_origin=media_origin(deps.settings),
    )


HANDLERS: Mapping[type, Handler] = MappingProxyType(
    {AuthorizationRemoved: authorization_removed, BrandMention: brand_mentioned}
)


async def handle(event: TikTokEvent, deps: Deps) -> None:
    handler = HANDLERS.get(type(event))
    if handler is None:
        log.info("tiktok webhook ignored: %s", event.name)
        return
    await handler(event, deps)
