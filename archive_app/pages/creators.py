"""Social Profiles: every creator who mentioned the brand, and each creator's page (their
videos as the Feed's cards, with the same "Looking for usage rights?")."""

from __future__ import annotations

import reflex as rx

from archive_app import paths
from archive_app.components import feed_parts
from archive_app.components.rights_request import rights_request_dialog
from archive_app.components.shell import empty_state, shell
from archive_app.states.creators import CreatorsState, CreatorState, CreatorView
from archive_app.states.feed import FeedState


def _avatar(row: CreatorView, size: str = "3") -> rx.Component:
    return rx.avatar(
        src=row.avatar_url,
        fallback=row.handle[:2].upper(),
        size=size,
        radius="full",
        alt="@" + row.handle,
    )


def _facts(row: CreatorView) -> list[rx.Component]:
    return [
        rx.text(row.mentions + " · last " + row.last_mention, size="2"),
        rx.text(
            "DMs from: "
            + row.dm_label
            + rx.cond(row.dm_learned != "", " (" + row.dm_learned + ")", ""),
            size="2",
            color_scheme="gray",
            high_contrast=True,
        ),
        rx.text(
            "Usage rights: " + row.rights_summary, size="2", color_scheme="gray", high_contrast=True
        ),
    ]


def _row(row: CreatorView) -> rx.Component:
    return rx.card(
        rx.flex(
            _avatar(row),
            rx.vstack(
                rx.link(
                    "@" + row.handle,
                    href=row.href,
                    weight="bold",
                    high_contrast=True,
                    word_break="break-all",
                ),
                *_facts(row),
                spacing="1",
                min_width="0",
            ),
            spacing="3",
            align="start",
        ),
        data_testid="creator-row",
        width="100%",
    )


def _search() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.vstack(
                rx.el.label(
                    "Search creators", html_for="creator-search", style={"fontSize": "13px"}
                ),
                rx.el.input(
                    type="search",
                    id="creator-search",
                    name="q",
                    default_value=CreatorsState.search,
                    max_length=64,
                    style=feed_parts.FIELD_STYLE,
                ),
                spacing="1",
            ),
            rx.button("Search", type="submit", size="2"),
            spacing="3",
            align="end",
            wrap="wrap",
        ),
        on_submit=CreatorsState.apply_search,
        reset_on_submit=False,
        key=CreatorsState.search,
        aria_label="Search creators",
    )


def creators() -> rx.Component:
    return shell(
        rx.cond(
            CreatorsState.loaded,
            rx.vstack(
                _search(),
                rx.cond(
                    CreatorsState.rows.length() > 0,
                    rx.vstack(
                        rx.grid(
                            rx.foreach(CreatorsState.rows, _row),
                            columns=rx.breakpoints(initial="1", md="2"),
                            spacing="3",
                            width="100%",
                        ),
                        rx.cond(
                            CreatorsState.has_more,
                            rx.center(
                                rx.button(
                                    "Load more", variant="soft", on_click=CreatorsState.load_more
                                ),
                                width="100%",
                            ),
                        ),
                        spacing="4",
                        width="100%",
                    ),
                    rx.cond(
                        CreatorsState.search != "",
                        empty_state("search", "No creator matches", "Try another name or handle."),
                        empty_state(
                            "users",
                            "No creators yet",
                            "Creators appear here once a source finds a video where they mention "
                            "or tag your brand. Connect one in Settings → Sources.",
                            rx.link(rx.button("Go to Sources"), href=paths.SOURCES),
                        ),
                    ),
                ),
                spacing="4",
                width="100%",
            ),
            rx.center(rx.spinner(size="3"), padding="48px"),
        ),
        title="Social Profiles",
    )


def _header() -> rx.Component:
    row = CreatorState.creator
    return rx.flex(
        _avatar(row, "5"),
        rx.vstack(
            rx.heading("@" + row.handle, size="5", as_="h2", word_break="break-all"),
            *_facts(row),
            rx.cond(
                row.median_response != "",
                rx.text(
                    row.median_response,
                    size="2",
                    color_scheme="gray",
                    high_contrast=True,
                    data_testid="median-response",
                ),
            ),
            rx.link(
                "Their requests in Manage Rights",
                href=paths.RIGHTS + "?q=" + row.handle,
                size="2",
            ),
            rx.link("All creators", href=paths.CREATORS, size="2"),
            spacing="1",
            min_width="0",
        ),
        spacing="4",
        align="start",
        data_testid="creator-header",
    )


def creator() -> rx.Component:
    return shell(
        rights_request_dialog(),
        rx.cond(
            CreatorState.loaded & FeedState.loaded,
            rx.cond(
                CreatorState.found,
                rx.vstack(
                    _header(),
                    feed_parts.filters(with_source=False),
                    feed_parts.notes_and_gaps(),
                    feed_parts.new_banner(),
                    feed_parts.selection_bar(),
                    rx.cond(FeedState.cards.length() > 0, feed_parts.total()),
                    rx.cond(
                        FeedState.cards.length() > 0,
                        feed_parts.cards(),
                        empty_state(
                            "search",
                            "No videos match these filters",
                            "Clear the filters to see every video of this creator.",
                            rx.button("Clear filters", on_click=FeedState.apply_filters({})),
                        ),
                    ),
                    spacing="4",
                    width="100%",
                ),
                empty_state(
                    "user-x",
                    "Creator not found",
                    "No creator with that handle has mentioned your brand in this workspace.",
                    rx.link(rx.button("All creators"), href=paths.CREATORS),
                ),
            ),
            rx.center(rx.spinner(size="3"), padding="48px"),
        ),
        title="Creator",
    )
