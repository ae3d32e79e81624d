"""The simulated CDN's signed cover links (``simulator/media.py`` checks them).

Shared by the simulator, which hands them out in its mention lists, and the demo seed
(``services/demo.py``), which writes them into the demo workspace's mentions so that
``fetch_covers`` keeps their covers at once. A link holds ``expires`` (unix seconds) and a
signature over it, so a link with a later ``expires`` is refused, like TikTok's.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

# TikTok's signed cover URLs last hours to days; the simulator's last 6 hours (shared clock).
COVER_LIFETIME = timedelta(hours=6)
_SIGNING_KEY = b"tiktok-simulator-cdn"  # a stand-in CDN's key: the point is that expiry holds


def cover_signature(item_id: str, expires: int) -> str:
    mac = hmac.new(_SIGNING_KEY, f"{item_id}:{expires}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def signed_cover_url(item_id: str, media: str, now: datetime) -> str:
    """The cover of ``item_id`` under ``media`` (``…/_sim/media``), valid from ``now`` on."""
    expires = int((now + COVER_LIFETIME).timestamp())
    return f"{media}/covers/{item_id}.jpg?expires={expires}&sig={cover_signature(item_id, expires)}"
