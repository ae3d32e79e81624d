"""The Feed's parts above and below the cards: filters, notes, gaps, the "N new mentions"
banner, the chart, the selection bar, the card grid and "Load more"."""

from __future__ import annotations

import reflex as rx

from archive_app.components.forms import notice_callout
from archive_app.components.mention_card import mention_card
from archive_app.states.feed import FeedState
from archive_app.states.feed_views import REMOVED_CHOICES, RIGHTS_CHOICES, OptionView

FIELD_STYLE = {
    "height": "32px",
    "padding": "0 8px",
    "border": "1px solid var(--gray-7)",
    "borderRadius": "6px",
    "background": "var(--color-surface)",
    "color": "var(--gray-12)",
    "fontSize": "14px",
    "maxWidth": "100%",
}


def _labelled(label: str, field_id: str, control: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=field_id, style={"fontSize": "13px", "fontWeight": 500}),
        control,
        spacing="1",
        max_width="100%",
    )


def _select(
    name: str, label: str, options: rx.Var[list[OptionView]] | list[OptionView]
) -> rx.Component:
    field_id = f"feed-{name}"
    return _labelled(
        label,
        field_id,
        rx.el.select(
            rx.foreach(options, lambda o: rx.el.option(o.label, value=o.value)),
            name=name,
            id=field_id,
            default_value=FeedState.form[name],
            style=FIELD_STYLE,
        ),
    )


def _input(name: str, label: str, type_: str, **props: object) -> rx.Component:
    field_id = f"feed-{name}"
    return _labelled(
        label,
        field_id,
        rx.el.input(
            type=type_,
            name=name,
            id=field_id,
            default_value=FeedState.form[name],
            style=FIELD_STYLE,
            **props,
        ),
    )


def filters(*, with_source: bool = True) -> rx.Component:
    return rx.form(
        rx.flex(
            _input("q", "Search captions and creators", "search", max_length=100),
            *([_select("source", "Source", FeedState.source_options)] if with_source else []),
            _select("rights", "Rights status", RIGHTS_CHOICES),
            _select("removed", "Videos removed from TikTok", REMOVED_CHOICES),
            _input("from", "From", "date"),
            _input("to", "To", "date"),
            rx.hstack(
                rx.button("Apply filters", type="submit", size="2"),
                rx.cond(
                    FeedState.filtered,
                    rx.button(
                        "Clear filters",
                        type="button",
                        variant="soft",
                        size="2",
                        on_click=FeedState.apply_filters({}),
                    ),
                ),
                spacing="2",
            ),
            wrap="wrap",
            spacing="3",
            align="end",
        ),
        on_submit=FeedState.apply_filters,
        reset_on_submit=False,
        key=FeedState.form_key,
        aria_label="Filter mentions",
        width="100%",
    )


def notes_and_gaps() -> rx.Component:
    return rx.vstack(
        rx.foreach(FeedState.notes, notice_callout),
        rx.foreach(
            FeedState.gaps,
            lambda gap: rx.callout(
                gap,
                icon="triangle_alert",
                color_scheme="amber",
                high_contrast=True,
                width="100%",
                data_testid="coverage-gap",
            ),
        ),
        spacing="2",
        width="100%",
    )


def new_banner() -> rx.Component:
    return rx.cond(
        FeedState.new_count > 0,
        rx.callout(
            rx.hstack(
                rx.text(
                    FeedState.new_count.to_string()
                    + rx.cond(FeedState.new_count == 1, " new mention", " new mentions")
                ),
                rx.button("Show", size="1", on_click=FeedState.show_new),
                align="center",
                spacing="3",
            ),
            icon="bell",
            color_scheme="iris",
            role="status",
            high_contrast=True,
            width="100%",
            data_testid="new-mentions",
        ),
    )


def total() -> rx.Component:
    """The list's total ("36 mentions"): every card Load more would show, same filter."""
    return rx.heading(FeedState.total_text, as_="h2", size="4", data_testid="mentions-total")


def chart() -> rx.Component:
    return rx.box(
        rx.recharts.bar_chart(
            rx.recharts.bar(data_key="mentions", fill="var(--accent-9)", name="Mentions"),
            rx.recharts.x_axis(data_key="day", interval="preserveStartEnd", font_size=11),
            rx.recharts.y_axis(allow_decimals=False, width=32, font_size=11),
            rx.recharts.graphing_tooltip(),
            data=FeedState.chart,
            height=150,
            width="100%",
        ),
        rx.text(FeedState.chart_text, size="1", color_scheme="gray", high_contrast=True),
        role="figure",
        aria_label="Mentions per day",
        width="100%",
        data_testid="mentions-chart",
    )


def selection_bar() -> rx.Component:
    return rx.cond(
        FeedState.selected.length() > 0,
        rx.flex(
            rx.text(
                FeedState.selected.length().to_string()
                + " selected of @"
                + FeedState.selected_handle,
                size="2",
                weight="medium",
            ),
            rx.button(
                "Looking for usage rights? (selected)",
                on_click=FeedState.request_selected,
                size="2",
            ),
            rx.button(
                "Clear selection", variant="soft", size="2", on_click=FeedState.clear_selection
            ),
            spacing="3",
            wrap="wrap",
            align="center",
            padding="10px",
            border="1px solid var(--accent-7)",
            border_radius="8px",
            width="100%",
            data_testid="selection-bar",
        ),
    )


def cards() -> rx.Component:
    return rx.vstack(
        rx.grid(
            rx.foreach(FeedState.cards, mention_card),
            columns=rx.breakpoints(initial="1", sm="2", lg="3"),
            spacing="4",
            width="100%",
        ),
        rx.cond(
            FeedState.has_more,
            rx.center(
                rx.button(
                    "Load more",
                    on_click=FeedState.load_more,
                    loading=FeedState.loading_more,
                    variant="soft",
                ),
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
    )
