"""Manage Rights: usage-rights requests, their status, and what to do about each."""

from __future__ import annotations

import reflex as rx

from archive_app import paths
from archive_app.components.forms import error_callout
from archive_app.components.shell import empty_state, shell
from archive_app.components.stacked_table import stacked_on_phones
from archive_app.services.rights.manage import MAX_SHOWN, PAGE
from archive_app.states.rights import RightsState
from archive_app.states.rights_views import CreatorOption, RequestView, VideoView

S = RightsState
LABEL_STYLE = {"fontSize": "13px", "fontWeight": 500}
SELECT_STYLE = {
    "padding": "5px 6px",
    "borderRadius": "6px",
    "border": "1px solid var(--gray-7)",
    "background": "var(--color-background)",
    "color": "var(--gray-12)",
    "maxWidth": "100%",
}


def _labelled(label: str, control_id: str, control: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id, style=LABEL_STYLE), control, spacing="1"
    )


def _filters() -> rx.Component:
    def creator(option: CreatorOption) -> rx.Component:
        return rx.el.option("@" + option.handle, value=option.creator_id)

    return rx.flex(
        _labelled(
            "Status",
            "filter-status",
            rx.el.select(
                rx.el.option("All statuses", value=""),
                rx.el.option("In Queue", value="in_queue"),
                rx.el.option("Requested", value="requested"),
                rx.el.option("Approved", value="approved"),
                rx.el.option("Declined", value="declined"),
                id="filter-status",
                value=S.filter_status,
                on_change=S.set_filter_status,
                style=SELECT_STYLE,
            ),
        ),
        _labelled(
            "Creator",
            "filter-creator",
            rx.el.select(
                rx.el.option("All creators", value=""),
                rx.foreach(S.creators, creator),
                id="filter-creator",
                value=S.filter_creator,
                on_change=S.set_filter_creator,
                style=SELECT_STYLE,
            ),
        ),
        _labelled(
            "Requested from",
            "filter-since",
            rx.input(
                id="filter-since", type="date", value=S.filter_since, on_change=S.set_filter_since
            ),
        ),
        _labelled(
            "Requested until",
            "filter-until",
            rx.input(
                id="filter-until", type="date", value=S.filter_until, on_change=S.set_filter_until
            ),
        ),
        rx.cond(
            S.filtered,
            rx.button(
                "Clear filters", on_click=S.clear_filters, variant="soft", color_scheme="gray"
            ),
        ),
        rx.spacer(),
        rx.button(rx.icon("download", size=16), "Export CSV", on_click=S.export_csv),
        spacing="3",
        wrap="wrap",
        align="end",
        width="100%",
    )


def _thumb(video: VideoView) -> rx.Component:
    return rx.link(
        rx.image(
            src=video.thumbnail_url,
            alt=video.alt,
            width="40px",
            height="54px",
            object_fit="cover",
            border_radius="4px",
            background="var(--gray-4)",
        ),
        href=video.url,
        is_external=True,
    )


def _status_menu(row: RequestView) -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                "Set status",
                rx.icon("chevron-down", size=14),
                variant="soft",
                size="1",
                aria_label="Set status of the request to @" + row.creator_handle,
            )
        ),
        rx.menu.content(
            rx.menu.item("Mark as Approved", on_select=S.set_status(row.request_id, "approved")),
            rx.menu.item("Mark as Declined", on_select=S.set_status(row.request_id, "declined")),
            rx.menu.item(
                "Mark as Requested (sent yourself)",
                on_select=S.set_status(row.request_id, "requested"),
            ),
        ),
    )


def _row(row: RequestView) -> rx.Component:
    small = {"size": "1", "color_scheme": "gray", "high_contrast": True}
    return rx.table.row(
        rx.table.row_header_cell(rx.text("@" + row.creator_handle, weight="medium")),
        rx.table.cell(
            rx.flex(rx.foreach(row.videos, _thumb), spacing="1", wrap="wrap"),
            data_label="Content",
        ),
        rx.table.cell(
            rx.vstack(
                rx.badge(
                    row.status_label,
                    color_scheme=row.badge,
                    high_contrast=True,
                    data_testid="rights-status",
                ),
                rx.cond(
                    row.reason != "", rx.text(row.reason, **small, data_testid="rights-reason")
                ),
                rx.cond(
                    row.fix_href != "",
                    rx.link(row.fix_label, href=row.fix_href, size="1", data_testid="rights-fix"),
                ),
                rx.cond(row.set_by != "", rx.text(row.set_by, **small)),
                spacing="1",
                min_width="220px",
            ),
            data_label="Status",
        ),
        rx.table.cell(
            rx.text(row.requested, size="2"),
            rx.text("by " + row.requested_by, **small),
            data_label="Requested",
        ),
        rx.table.cell(
            rx.text(rx.cond(row.responded != "", row.responded, "—"), size="2"),
            data_label="Responded",
        ),
        rx.table.cell(
            rx.text(rx.cond(row.sender != "", row.sender, "—"), size="2"),
            data_label="From account",
        ),
        rx.table.cell(
            rx.flex(
                rx.button(
                    "Copy message",
                    on_click=S.copy_message(row.request_id),
                    variant="outline",
                    size="1",
                ),
                rx.cond(
                    row.can_retry,
                    rx.button(
                        "Retry sending",
                        on_click=S.retry_sending(row.request_id),
                        variant="outline",
                        size="1",
                    ),
                ),
                _status_menu(row),
                spacing="2",
                wrap="wrap",
                min_width="150px",
            ),
            data_label="Actions",
        ),
        data_testid="rights-row",
    )


def _table() -> rx.Component:
    headers = ["Creator", "Content", "Status", "Requested", "Responded", "From account", "Actions"]
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(*[rx.table.column_header_cell(h) for h in headers]),
            ),
            rx.table.body(rx.foreach(S.rows, _row)),
            variant="surface",
            size="1",
            width="100%",
        ),
        stacked_on_phones("rights-table"),
        overflow_x="auto",
        width="100%",
        tab_index=0,
        role="region",
        aria_label="Usage-rights requests",
        class_name="rights-table",
    )


def _body() -> rx.Component:
    return rx.cond(
        ~S.rights_loaded,
        rx.center(rx.spinner(size="3"), padding="48px"),
        rx.cond(
            (S.rows.length() == 0) & ~S.filtered,
            empty_state(
                "badge-check",
                "No usage-rights requests yet",
                "Find a video in the Feed and click “Looking for usage rights?” to ask its "
                "creator. Your requests and their status will be listed here.",
                rx.link(rx.button("Open the Feed"), href=paths.FEED),
            ),
            rx.vstack(
                _filters(),
                error_callout(S.filter_error),
                rx.cond(
                    S.rows.length() == 0,
                    rx.text("No requests match these filters.", color_scheme="gray"),
                    _table(),
                ),
                rx.cond(
                    S.rows_capped,
                    rx.flex(
                        rx.text(
                            "Showing the newest "
                            + S.rows.length().to_string()
                            + " requests that match. Export CSV has all of them.",
                            size="2",
                        ),
                        rx.cond(
                            S.shown < MAX_SHOWN,
                            rx.button(
                                f"Show {PAGE} more",
                                variant="soft",
                                on_click=S.show_more,
                            ),
                            rx.text("Narrow them with the filters to see older ones.", size="2"),
                        ),
                        spacing="3",
                        align="center",
                        wrap="wrap",
                    ),
                ),
                rx.text(
                    "Usage rights requests are for tracking. Archive does not provide legal "
                    "counsel or guarantees regarding usage rights.",
                    size="1",
                    color_scheme="gray",
                ),
                spacing="4",
                width="100%",
            ),
        ),
    )


def rights() -> rx.Component:
    return shell(_body(), title="Manage Rights")
