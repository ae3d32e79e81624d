"""What the demo starts with: a brand account to connect, creators, and videos to find.

Test mode (``seed_demo`` off) seeds only the two registered apps; tests create what they need
through the control API, so nothing here can make a test pass by accident.
"""

from __future__ import annotations

from datetime import timedelta

from archive_app.simulator.state import App, Creator, SimState, VideoRec

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


def register_apps(state: SimState, *, apps: list[App]) -> None:
    with state.lock:
        for app in apps:
            state.apps[app.client_key] = app


def seed_demo(state: SimState) -> None:
    """Once per data directory: a restart, or a second worker, finds the demo already there."""
    with state.lock:
        if DEMO_BRAND in state.accounts:
            return
        state.upsert_account(DEMO_BRAND, "Demo Brand")
        now = state.now()
        for handle, setting in DEMO_CREATORS.items():
            state.creators[handle] = Creator(handle, setting)
        handles = list(DEMO_CREATORS)
        for n in range(36):
            handle = handles[n % len(handles)]
            # Every fifth video only tags the brand: TikTok Account v.2 finds those too.
            tag_only = n % 5 == 4
            caption = "New video, tagged the brand" if tag_only else CAPTIONS[n % len(CAPTIONS)]
            state.videos.append(
                VideoRec(
                    item_id=f"7{300000000000000000 + n * 7919}",
                    brand_username=DEMO_BRAND,
                    creator_handle=handle,
                    caption=caption.format(brand=DEMO_BRAND),
                    created_at=now - timedelta(hours=5 + n * 37),
                    views=1200 + (n * 7331) % 250000,
                    likes=90 + (n * 613) % 20000,
                    comments=4 + (n * 37) % 900,
                    shares=1 + (n * 11) % 400,
                    tag_only=tag_only,
                )
            )
