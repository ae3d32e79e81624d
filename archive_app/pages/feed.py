"""Feed: videos where creators mention the brand, newest first, filtered by the URL."""

from __future__ import annotations

import reflex as rx

from archive_app import paths
from archive_app.components import feed_parts
from archive_app.components.rights_request import rights_request_dialog
from archive_app.components.shell import empty_state, shell
from archive_app.states.base import AppState
from archive_app.states.feed import FeedState


def _empty() -> rx.Component:
    return rx.cond(
        FeedState.filtered,
        empty_state(
            "search",
            "No mentions match these filters",
            "Change the filters above, or clear them to see every mention.",
            rx.button("Clear filters", on_click=FeedState.apply_filters({})),
        ),
        rx.cond(
            AppState.sources.length() > 0,
            empty_state(
                "video",
                "No mentions yet",
                "Archive reads your sources every 10 minutes. Videos where creators mention or "
                "tag your brand will appear here.",
                rx.link(rx.button("Check your sources"), href=paths.SOURCES),
            ),
            empty_state(
                "video",
                "No mentions yet",
                "Connect your brand's TikTok account in Settings → Sources. Videos where "
                "creators mention or tag your brand will appear here.",
                rx.link(rx.button("Go to Sources"), href=paths.SOURCES),
            ),
        ),
    )


def feed() -> rx.Component:
    return shell(
        rights_request_dialog(),
        rx.cond(
            FeedState.loaded,
            rx.vstack(
                feed_parts.filters(),
                feed_parts.notes_and_gaps(),
                feed_parts.new_banner(),
                rx.cond(FeedState.cards.length() > 0, feed_parts.total()),
                # A search's chart follows its cards (FeedState.count_mentions).
                rx.cond((FeedState.cards.length() > 0) & ~FeedState.counting, feed_parts.chart()),
                feed_parts.selection_bar(),
                rx.cond(FeedState.cards.length() > 0, feed_parts.cards(), _empty()),
                spacing="4",
                width="100%",
            ),
            rx.center(rx.spinner(size="3"), padding="48px"),
        ),
        title="Feed",
    )
