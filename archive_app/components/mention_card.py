"""A mention as a card: thumbnail, @creator, caption, counts, posted date, which source(s) found
it, the rights status when a request exists, "Select" and "Looking for usage rights?".

Used by the Feed and by a creator's page (both show ``FeedState.cards``).
"""

from __future__ import annotations

import reflex as rx

from archive_app.components.player import cover, download_original, play_button, removed_note
from archive_app.components.rights_request import request_button
from archive_app.components.rights_spark import spark_button
from archive_app.components.shell import SR_ONLY
from archive_app.states.feed import FeedState
from archive_app.states.feed_views import CardView


def rights_badge(status: rx.Var[str], label: rx.Var[str]) -> rx.Component:
    return rx.cond(
        label != "",
        rx.badge(
            label,
            color_scheme=rx.match(
                status,
                ("requested", "blue"),
                ("approved", "green"),
                ("declined", "red"),
                "amber",
            ),
            variant="soft",
            high_contrast=True,
            data_testid="rights-status",
        ),
    )


def _count(icon: str, value: rx.Var[str], noun: str) -> rx.Component:
    return rx.hstack(
        rx.icon(icon, size=14, aria_hidden="true"),
        rx.text(value, size="1"),
        rx.el.span(" " + noun, style=SR_ONLY),
        spacing="1",
        align="center",
    )


def _thumbnail(card: CardView) -> rx.Component:
    """Archive's copy of the cover (never TikTok's URL), a link to the video on TikTok."""
    image = cover(card.thumbnail_url, "Video by @" + card.creator_handle)
    return rx.cond(
        card.url != "",
        rx.link(
            image,
            href=card.url,
            is_external=True,
            aria_label="Open the video by @" + card.creator_handle + " on TikTok",
            width="100%",
        ),
        image,
    )


def mention_card(card: CardView) -> rx.Component:
    selected = FeedState.selected.contains(card.id)
    return rx.card(
        rx.vstack(
            _thumbnail(card),
            removed_note(card.removed),
            rx.flex(
                rx.link(
                    "@" + card.creator_handle,
                    href=card.creator_href,
                    weight="bold",
                    size="2",
                    high_contrast=True,
                    word_break="break-all",
                ),
                rights_badge(card.rights_status, card.rights_label),
                justify="between",
                align="center",
                spacing="2",
                width="100%",
            ),
            rx.text(card.caption, size="2", word_break="break-word", data_testid="caption"),
            rx.flex(
                _count("eye", card.views, "views"),
                _count("heart", card.likes, "likes"),
                _count("message-circle", card.comments, "comments"),
                _count("share-2", card.shares, "shares"),
                spacing="3",
                wrap="wrap",
            ),
            rx.text("Posted " + card.posted, size="1", color_scheme="gray", high_contrast=True),
            rx.cond(
                card.found_by != "",
                rx.text(card.found_by, size="1", color_scheme="gray", high_contrast=True),
            ),
            rx.spacer(),
            rx.el.label(
                rx.hstack(
                    rx.checkbox(
                        checked=selected,
                        on_change=lambda _checked: FeedState.toggle_select(card.id),
                        aria_label="Select the video by @" + card.creator_handle,
                    ),
                    rx.text("Select", size="2"),
                    spacing="2",
                    align="center",
                ),
            ),
            play_button(card.player_url, card.creator_handle),
            download_original(card.original_url, card.creator_handle),
            request_button(card.id, card.rights_status),
            spark_button(card.id),
            spacing="2",
            height="100%",
        ),
        data_testid="mention-card",
        data_selected=rx.cond(selected, "true", "false"),
    )
