"""Settings → Sources: the workspace's connected TikTok accounts."""

from __future__ import annotations

import reflex as rx

from archive_app.components.shell import empty_state, shell


def sources() -> rx.Component:
    return shell(
        empty_state(
            "link",
            "No sources yet",
            "Click Add Source to connect your brand's TikTok account. Archive then finds the "
            "videos that mention your brand.",
        ),
        title="Sources",
    )
