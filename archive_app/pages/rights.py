"""Manage Rights: usage-rights requests, their status, and what to do about each."""

from __future__ import annotations

import reflex as rx

from archive_app import paths
from archive_app.components.forms import confirm_button, error_callout
from archive_app.components.player import download_original, play_button, removed_note
from archive_app.components.rights_filters import filter_bar
from archive_app.components.rights_request import rights_request_dialog
from archive_app.components.rights_spark import code_cell
from archive_app.components.rights_terms import terms_panel
from archive_app.components.shell import empty_state, shell
from archive_app.components.stacked_table import stacked_on_phones
from archive_app.services.rights.manage import MAX_SHOWN, PAGE
from archive_app.states.rights import RightsState
from archive_app.states.rights_remove import RightsRemoveState
from archive_app.states.rights_views import RequestView, VideoView

S = RightsState


def _thumb(video: VideoView) -> rx.Component:
    """Archive's copy of the cover (a link to TikTok), ``Play``, and whether it was removed."""
    return rx.vstack(
        rx.link(
            rx.cond(
                video.thumbnail_url != "",
                rx.image(
                    src=video.thumbnail_url,
                    alt=video.alt,
                    width="40px",
                    height="54px",
                    object_fit="cover",
                    border_radius="4px",
                ),
                rx.center(
                    rx.icon("image-off", size=16, aria_hidden="true"),
                    role="img",
                    aria_label=video.alt + " (cover not saved yet)",
                    width="40px",
                    height="54px",
                    border_radius="4px",
                    background="var(--gray-4)",
                ),
            ),
            href=video.url,
            is_external=True,
        ),
        play_button(video.player_url, video.handle, size="1"),
        removed_note(video.removed),
        spacing="1",
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
                rx.text(
                    row.scope_label,
                    rx.cond(row.spark_duration != "", " · " + row.spark_duration, ""),
                    size="1",
                    weight="medium",
                    data_testid="rights-scope",
                ),
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
                min_width="200px",
            ),
            data_label="Scope and status",
        ),
        rx.table.cell(
            rx.text(row.requested, size="2"),
            rx.text("by " + row.requested_by, **small),
            data_label="Requested",
        ),
        rx.table.cell(
            rx.text(rx.cond(row.responded != "", row.responded, "—"), size="2"),
            rx.cond(
                row.proof_href != "",
                rx.link(
                    "Proof",
                    href=row.proof_href,
                    size="2",
                    aria_label="Proof of @" + row.creator_handle + "'s answer",
                ),
            ),
            download_original(row.original_url, row.creator_handle, size="1"),
            data_label="Responded",
        ),
        rx.table.cell(code_cell(row), data_label="Spark code"),
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
                confirm_button(
                    "Remove request",
                    title="Remove the request to @" + row.creator_handle + "?",
                    description=(
                        "It leaves this table and its link tells the creator the request was "
                        "withdrawn. Its history is kept. You can ask for the video again."
                    ),
                    confirm_label="Remove request",
                    on_confirm=RightsRemoveState.remove_request(row.request_id),
                    aria_label="Remove the request to @" + row.creator_handle,
                ),
                spacing="2",
                wrap="wrap",
                min_width="150px",
            ),
            data_label="Actions",
        ),
        data_testid="rights-row",
    )


def _table() -> rx.Component:
    headers = [
        "Creator",
        "Content",
        "Scope and status",
        "Requested",
        "Responded",
        "Spark code",
        "From account",
        "Actions",
    ]
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
                filter_bar(),
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
    return shell(
        rights_request_dialog(),
        rx.vstack(terms_panel(), _body(), spacing="4", width="100%"),
        title="Manage Rights",
    )
