"""Settings → Sources: connected TikTok accounts and the connect wizard (spec labels verbatim)."""

from __future__ import annotations

import reflex as rx

from archive_app.components.forms import (
    confirm_button,
    email_chips,
    error_callout,
    native_form,
    notice_callout,
)
from archive_app.components.shell import empty_state, shell
from archive_app.components.sources_wizard import sources_wizard
from archive_app.states.base import AppState
from archive_app.states.reminders import ReminderEditorState
from archive_app.states.source_views import SourceView
from archive_app.states.sources import SourcesState
from archive_app.states.sources_wizard import ConnectWizardState


def _badge(row: SourceView) -> rx.Component:
    return rx.badge(
        row.status_label,
        color_scheme=rx.match(
            row.badge, ("green", "green"), ("amber", "amber"), ("red", "red"), "gray"
        ),
        variant="solid",
        data_testid="source-status",
    )


def _disconnect_button(row: SourceView) -> rx.Component:
    return confirm_button(
        "Disconnect",
        title="Disconnect @" + row.handle + "?",
        description="Archive revokes its access at TikTok and deletes the tokens. Videos found "
        "so far stay in the Feed. You can reconnect the same account later.",
        confirm_label="Disconnect",
        on_confirm=SourcesState.disconnect(row.source_id),
        aria_label="Disconnect @" + row.handle,
    )


def _reconnect_button(row: SourceView) -> rx.Component:
    return rx.cond(
        row.connects_by_qr,
        rx.button(
            "Reconnect",
            size="1",
            on_click=ConnectWizardState.reconnect_v1(row.source_id),
            aria_label="Reconnect @" + row.handle,
        ),
        # v.2 leaves the app for TikTok's consent page: a full page load.
        native_form(
            rx.el.input(type="hidden", name="source", value=row.source_id.to_string()),
            rx.button("Reconnect", size="1", type="submit", aria_label="Reconnect @" + row.handle),
            action="/oauth/tiktok/v2/start",
            method="get",
        ),
    )


def _connected_notice(row: SourceView) -> rx.Component:
    return rx.cond(
        (row.source_id == ConnectWizardState.flash_source_id) & ~row.needs_reconnect,
        notice_callout(ConnectWizardState.flash),
    )


def _source_row(row: SourceView) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.avatar(
                src=row.avatar_url,
                fallback=row.handle[:2],
                size="4",
                radius="full",
                custom_attrs={"alt": "@" + row.handle},
            ),
            rx.vstack(
                rx.hstack(
                    rx.text("@" + row.handle, weight="bold", data_testid="source-handle"),
                    # The kind next to the handle: one account connected as v.1 and v.2 makes
                    # two rows headed alike.
                    rx.text(row.kind_name, weight="medium", data_testid="source-kind"),
                    _badge(row),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.cond(
                    row.days_text != "",
                    rx.text(row.days_text, size="2", data_testid="days-remaining"),
                ),
                rx.cond(
                    row.reason != "",
                    rx.text(
                        row.reason,
                        size="2",
                        color_scheme=rx.match(
                            row.badge, ("red", "red"), ("amber", "amber"), "gray"
                        ),
                        data_testid="source-reason",
                    ),
                ),
                rx.text(row.connected_text, size="1", color_scheme="gray"),
                rx.cond(
                    row.checked_text != "",
                    rx.text(row.checked_text, size="1", color_scheme="gray", data_testid="checked"),
                ),
                rx.cond(
                    row.reminder_text != "",
                    rx.text(
                        row.reminder_text,
                        size="1",
                        color_scheme="gray",
                        data_testid="next-reminder",
                    ),
                ),
                rx.cond(
                    row.has_reminders & (row.reminder_emails.length() > 0),
                    rx.text(
                        "Reminders to: " + row.reminder_emails.join(", "),
                        size="1",
                        color_scheme="gray",
                    ),
                ),
                spacing="1",
                align="start",
                flex="1 1 180px",
                min_width="0",
            ),
            rx.hstack(
                rx.cond(row.needs_reconnect | row.can_renew, _reconnect_button(row)),
                rx.cond(row.needs_reconnect, rx.fragment(), _disconnect_button(row)),
                rx.cond(
                    row.has_reminders,
                    rx.button(
                        "Edit reminders",
                        size="1",
                        variant="soft",
                        on_click=ReminderEditorState.edit_reminders(row.source_id),
                    ),
                ),
                spacing="2",
                wrap="wrap",
            ),
            align="center",
            width="100%",
            spacing="4",
            wrap="wrap",
        ),
        data_testid="source-row",
        width="100%",
    )


def _edit_reminders() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Reminder emails"),
            email_chips(
                emails=ReminderEditorState.edit_emails,
                draft=ReminderEditorState.edit_input,
                error=ReminderEditorState.edit_error,
                on_type=ReminderEditorState.set_edit_input,
                on_add=ReminderEditorState.add_edit_email,
                on_remove=ReminderEditorState.remove_edit_email,
            ),
            rx.hstack(
                rx.button("Cancel", variant="soft", on_click=ReminderEditorState.cancel_edit),
                rx.button("Save", on_click=ReminderEditorState.save_reminders),
                justify="end",
                spacing="3",
                padding_top="12px",
            ),
        ),
        open=ReminderEditorState.edit_source_id != 0,
    )


def sources() -> rx.Component:
    return shell(
        rx.hstack(
            rx.text(
                "Connected TikTok accounts and how long until each needs reconnecting.",
                color_scheme="gray",
                size="2",
            ),
            rx.button("Add Source", on_click=ConnectWizardState.open_add),
            width="100%",
            padding_bottom="12px",
            justify="between",
            align="center",
            wrap="wrap",
        ),
        # "Connected @x. It is Active now." only while @x is: a later revocation hides it.
        rx.foreach(AppState.sources, _connected_notice),
        # One outcome at a time: a connection that just succeeded replaces an older error.
        error_callout(rx.cond(ConnectWizardState.flash == "", SourcesState.page_error, "")),
        rx.cond(
            AppState.sources.length() > 0,
            rx.vstack(rx.foreach(AppState.sources, _source_row), spacing="3", width="100%"),
            rx.cond(
                AppState.sources_loaded,
                empty_state(
                    "link",
                    "No sources yet",
                    "Click Add Source to connect your brand's TikTok account. Archive then "
                    "finds the videos that mention your brand.",
                    rx.button("Add Source", on_click=ConnectWizardState.open_add, variant="soft"),
                ),
                rx.center(rx.spinner(), padding="40px"),
            ),
        ),
        sources_wizard(),
        _edit_reminders(),
        title="Sources",
        alerts=False,  # the red rows say it; Connect Now's wizard opens here alone
    )
