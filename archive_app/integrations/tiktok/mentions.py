"""Finding videos that mention the brand: the two wires behind ``MentionList``.

- ``tiktok_v2``: API for Business, ``GET /business/mention/video/list/`` (TIKTOK.md): the top
  1000 mentions of about the last 90 days, captions and tags.
- ``tiktok_v1``: TikTok has no mentions API for Login Kit accounts. The logged-in account's
  "Mentions and tag notifications" inbox is read through the same relay that sends DMs
  (``ARCHIVE_TIKTOK_DM_BASE_URL``), ``GET <relay>/v2/notifications/mentions/`` in Login Kit's
  shape. The simulator implements that relay with lower coverage than v.2 (no tag-only videos,
  the newest 100 notifications of 30 days). Without a relay a v.1 source finds nothing.

Both answer our :class:`MentionPage`; the webhook's ``brand.mention.event`` content is parsed
with :func:`video_from_wire` too.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from archive_app.integrations.tiktok._http import TikTokHttp, business_data, login_kit_json
from archive_app.integrations.tiktok.protocol import MentionPage, Video
from archive_app.settings import Settings

log = logging.getLogger(__name__)

MENTION_FIELDS = [
    "item_id",
    "create_time",
    "video_link",
    "caption",
    "likes",
    "comments",
    "shares",
    "views",
    "thumbnail_url",
    "creator_handle_name",
]
INBOX_PATH = "/v2/notifications/mentions/"
# A datetime cannot hold more (9999-12-31); TikTok's numbers are far below.
_MAX_TIME = 253_402_300_799
_MAX_COUNT = 10**15


def _int(raw: Any, *, top: int = _MAX_COUNT) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return 0
    return value if 0 <= value <= top else 0


def _text(raw: Any, limit: int) -> str:
    return str(raw if raw is not None else "").replace("\x00", "")[:limit]


# (field, scheme, host) of URLs dropped so far: each kind is logged once per process.
_dropped: set[tuple[str, str, str]] = set()


def _origin(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def media_origin(settings: Settings) -> str:
    """Where plain-http media may come from: the simulator's own origin outside production
    (its thumbnails are served by this app), nowhere in production."""
    return "" if settings.is_production else _origin(settings.tiktok_business_base_url)


def safe_url(raw: str, *, field: str, http_origin: str = "") -> str:
    """``raw`` if it is an https URL (or from ``http_origin``, the simulator), else "".

    A thumbnail is an ``<img src>`` and a video link an ``<a href>`` in our pages: a
    ``javascript:``, ``data:`` or plain-http URL from outside is dropped, and logged once.
    """
    if not raw:
        return ""
    origin = _origin(raw)
    if origin.startswith("https://") or (http_origin and origin == http_origin):
        return raw
    try:
        parts = urlsplit(raw)
        scheme, host = parts.scheme.lower(), (parts.hostname or "")
    except ValueError:
        scheme, host = "?", "?"
    if (field, scheme, host) not in _dropped:
        _dropped.add((field, scheme, host))
        log.warning("dropped a %s from TikTok that is not https (%s://%s)", field, scheme, host)
    return ""


def video_from_wire(
    raw: dict[str, Any], *, default_time: datetime | None = None, http_origin: str = ""
) -> Video | None:
    """A video in TikTok's mention-list shape, or None without an id and a creator.

    Bounded on the way in: these values come from outside (and, for the webhook, from
    whoever holds our signing secret). Its link and thumbnail are kept only when https, or
    from ``http_origin`` (see :func:`media_origin`)."""
    item_id = _text(raw.get("item_id"), 64).strip()
    handle = _text(raw.get("creator_handle_name"), 64).strip().lstrip("@")
    if not item_id or not handle:
        return None
    created = _int(raw.get("create_time"), top=_MAX_TIME)
    if created:
        created_at = datetime.fromtimestamp(created, UTC)
    else:
        created_at = default_time or datetime.fromtimestamp(0, UTC)
    return Video(
        item_id=item_id,
        created_at=created_at,
        url=safe_url(
            _text(raw.get("video_link"), 1024), field="video link", http_origin=http_origin
        ),
        caption=_text(raw.get("caption"), 5000),
        creator_handle=handle,
        thumbnail_url=safe_url(
            _text(raw.get("thumbnail_url"), 1024), field="thumbnail", http_origin=http_origin
        ),
        likes=_int(raw.get("likes")),
        comments=_int(raw.get("comments")),
        shares=_int(raw.get("shares")),
        views=_int(raw.get("views")),
    )


def _page(items: list[Any], raw_cursor: Any, has_more: Any, http_origin: str) -> MentionPage:
    videos = [video_from_wire(v, http_origin=http_origin) for v in items if isinstance(v, dict)]
    return MentionPage(
        videos=tuple(v for v in videos if v is not None),
        cursor=None if raw_cursor is None else str(raw_cursor),
        has_more=bool(has_more),
    )


async def business_mentions(
    http: TikTokHttp,
    *,
    base_url: str,
    access_token: str,
    open_id: str,
    cursor: str | None,
    max_count: int,
    http_origin: str = "",
) -> MentionPage:
    params: dict[str, str | int] = {
        "business_id": open_id,
        "fields": json.dumps(MENTION_FIELDS),
        "max_count": max_count,
    }
    if cursor is not None:
        params["cursor"] = cursor

    async def attempt() -> dict[str, Any]:
        response = await http.request(
            "GET",
            f"{base_url}/business/mention/video/list/",
            params=params,
            headers={"Access-Token": access_token},
        )
        return business_data(response)

    data = await http.with_retries(attempt)
    return _page(data.get("videos") or [], data.get("cursor"), data.get("has_more"), http_origin)


async def inbox_mentions(
    http: TikTokHttp,
    *,
    relay_url: str,
    access_token: str,
    cursor: str | None,
    max_count: int,
    http_origin: str = "",
) -> MentionPage:
    """The v.1 account's mention notifications, through the relay (see the module docstring)."""
    if not relay_url:
        return MentionPage(videos=(), cursor=None, has_more=False)
    params: dict[str, str | int] = {"max_count": max_count}
    if cursor is not None:
        params["cursor"] = cursor

    async def attempt() -> dict[str, Any]:
        response = await http.request(
            "GET",
            f"{relay_url}{INBOX_PATH}",
            params=params,
            headers={"Authorization": f"Bearer {access_token}"},
        )
        return login_kit_json(response)

    body = await http.with_retries(attempt)
    data = body.get("data") or {}
    if not isinstance(data, dict):
        data = {}
    notes = data.get("notifications")
    items = (
        [n.get("video") for n in notes if isinstance(n, dict)] if isinstance(notes, list) else []
    )
    videos = [i for i in items if isinstance(i, dict)]
    return _page(videos, data.get("cursor"), data.get("has_more"), http_origin)
