"""What the demo starts with: a brand account to connect, creators, and videos to find.

Test mode (``seed_demo`` off) seeds only the two registered apps; tests create what they need
through the control API, so nothing here can make a test pass by accident.
"""

from __future__ import annotations

from archive_app.demo_data import DEMO_BRAND, DEMO_CREATORS, demo_videos
from archive_app.simulator.state import App, Creator, SimState, VideoRec


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
        for video in demo_videos(now):
            state.videos.append(
                VideoRec(
                    item_id=video.item_id,
                    brand_username=DEMO_BRAND,
                    creator_handle=video.creator_handle,
                    caption=video.caption,
                    created_at=video.created_at,
                    views=video.views,
                    likes=video.likes,
                    comments=video.comments,
                    shares=video.shares,
                    tag_only=video.tag_only,
                )
            )
