"""The demo's TikTok world, once: the brand account, its creators and the videos that mention it.

The simulator's seed (``simulator/seed.py``) puts these videos in "TikTok"; the app's demo seed
(``services/demo.py``) puts the same videos in Demo Brand's feed, so the feed is not empty
before anything is connected, and connecting ``demobrand`` finds the same videos again (one
mention each, now also found by that source). Deterministic: same ids on every start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DEMO_BRAND = "demobrand"
DEMO_CREATORS = {
    "maya.makes": "everyone",
    "tom.cooks": "friends",
    "lina.travels": "suggested_friends",
    "quiet.joe": "no_one",
    "bex.fits": "everyone",
    "sam.sketches": "friends",
}
CAPTIONS = [
    "Unboxing my new favourite from @{brand} #ad",
    "Morning routine ft. @{brand}",
    "Honest review of @{brand} after a month",
    "3 ways to style @{brand}",
    "Would you try this? @{brand}",
    "Day in my life (with @{brand})",
]
VIDEO_COUNT = 36


@dataclass(frozen=True)
class DemoVideo:
    item_id: str
    creator_handle: str
    caption: str
    created_at: datetime
    views: int
    likes: int
    comments: int
    shares: int
    # Only tagged, not written in the caption: TikTok Account v.2 finds those too.
    tag_only: bool


def demo_videos(now: datetime) -> list[DemoVideo]:
    handles = list(DEMO_CREATORS)
    videos = []
    for n in range(VIDEO_COUNT):
        tag_only = n % 5 == 4  # every fifth video only tags the brand
        caption = "New video, tagged the brand" if tag_only else CAPTIONS[n % len(CAPTIONS)]
        videos.append(
            DemoVideo(
                item_id=f"7{300000000000000000 + n * 7919}",
                creator_handle=handles[n % len(handles)],
                caption=caption.format(brand=DEMO_BRAND),
                created_at=now - timedelta(hours=5 + n * 37),
                views=1200 + (n * 7331) % 250000,
                likes=90 + (n * 613) % 20000,
                comments=4 + (n * 37) % 900,
                shares=1 + (n * 11) % 400,
                tag_only=tag_only,
            )
        )
    return videos
