"""Feed: videos where creators mention the brand."""

from __future__ import annotations

import reflex as rx

from archive_app import paths
from archive_app.components.rights_request import rights_request_dialog
from archive_app.components.shell import empty_state, shell


def feed() -> rx.Component:
    return shell(
        empty_state(
            "video",
            "No mentions yet",
            "Connect your brand's TikTok account in Settings → Sources. Videos where creators "
            "mention or tag your brand will appear here.",
            rx.link(rx.button("Go to Sources"), href=paths.SOURCES),
        ),
        rights_request_dialog(),
        title="Feed",
    )
