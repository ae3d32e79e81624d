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
from archive_app.live import SourceView, WorkspaceLive
from archive_app.states.sources import SourcesState

BADGE_COLORS = {"green": "green", "amber": "amber", "red": "red", "gray": "gray"}


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
        row.is_v1,
        rx.button(
            "Reconnect",
            size="1",
            on_click=SourcesState.reconnect_v1(row.source_id),
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


def _source_row(row: SourceView) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.avatar(src=row.avatar_url, fallback=row.handle[:2], size="4", radius="full"),
            rx.vstack(
                rx.hstack(
                    rx.text("@" + row.handle, weight="bold", data_testid="source-handle"),
                    _badge(row),
                    rx.badge(row.kind_name, variant="outline", color_scheme="gray"),
                    spacing="2",
                    align="center",
                ),
                rx.cond(
                    row.days_text != "",
                    rx.text(row.days_text, size="2", data_testid="days-remaining"),
                ),
                rx.cond(
                    row.is_disconnected,
                    rx.text(row.reason, size="2", color_scheme="red", data_testid="source-reason"),
                ),
                rx.text(row.connected_text, size="1", color_scheme="gray"),
                rx.cond(
                    row.is_v1 & (row.reminder_emails.length() > 0),
                    rx.text(
                        "Reminders to: " + row.reminder_emails.join(", "),
                        size="1",
                        color_scheme="gray",
                    ),
                ),
                spacing="1",
                align="start",
            ),
            rx.spacer(),
            rx.hstack(
                rx.cond(row.is_disconnected, _reconnect_button(row), _disconnect_button(row)),
                rx.cond(
                    row.is_v1,
                    rx.button(
                        "Edit reminders",
                        size="1",
                        variant="soft",
                        on_click=SourcesState.edit_reminders(row.source_id),
                    ),
                ),
                spacing="2",
            ),
            align="center",
            width="100%",
            spacing="4",
        ),
        data_testid="source-row",
        width="100%",
    )


def _choose() -> rx.Component:
    def option(title: str, summary: str, on_click: rx.EventHandler) -> rx.Component:
        return rx.button(
            rx.vstack(
                rx.text(title, weight="bold"),
                rx.text(summary, size="1"),
                align="start",
                spacing="1",
            ),
            on_click=on_click,
            variant="surface",
            height="auto",
            padding="12px",
            width="100%",
            justify="start",
        )

    return rx.vstack(
        rx.dialog.title("Add Source"),
        rx.text("You don't need to choose between them: you can connect both.", size="2"),
        option(
            "TikTok Account v.1",
            "Capable of sending DMs to your creators (Manage Rights feature). Reconnect "
            "every 180 days.",
            SourcesState.choose_v1,
        ),
        option(
            "TikTok Account v.2",
            "Can't send DMs to your creators, but has better coverage. Reconnect every 360 days.",
            SourcesState.choose_v2,
        ),
        rx.callout(
            "Before connecting, check that you are logged into the correct TikTok "
            "account in the mobile app, and that Mentions and tag notifications are "
            "enabled in your TikTok settings.",
            icon="info",
            size="1",
        ),
        spacing="3",
    )


def _v1_intro() -> rx.Component:
    return rx.vstack(
        rx.dialog.title("TikTok Account v.1"),
        rx.text(
            "Due to TikTok's security policies you'll need to reconnect this account every "
            "180 days. We can email reminders before that happens.",
            size="2",
        ),
        rx.button("Set Up Reminders", on_click=SourcesState.setup_reminders),
        spacing="3",
    )


def _reminders() -> rx.Component:
    return rx.vstack(
        rx.dialog.title("Set Up Reminders"),
        rx.cond(
            SourcesState.reconnect_handle != "",
            rx.text("Reconnecting @" + SourcesState.reconnect_handle + ".", size="2"),
        ),
        rx.text(
            "Who should we remind before this connection needs renewing? Add as many "
            "addresses as you like.",
            size="2",
        ),
        email_chips(
            emails=SourcesState.reminder_emails,
            draft=SourcesState.reminder_input,
            error=SourcesState.reminder_error,
            on_type=SourcesState.set_reminder_input,
            on_add=SourcesState.add_reminder_email,
            on_remove=SourcesState.remove_reminder_email,
        ),
        rx.button("Connect TikTok", on_click=SourcesState.connect_tiktok, width="100%"),
        spacing="3",
        width="100%",
    )


def _qr() -> rx.Component:
    phase = SourcesState.qr_phase
    return rx.vstack(
        rx.dialog.title("Scan with the TikTok app"),
        rx.center(
            rx.cond(
                SourcesState.qr_loading | (SourcesState.qr_image == ""),
                rx.vstack(
                    rx.spinner(size="3"), rx.text("Loading your QR code…", size="2"), align="center"
                ),
                rx.image(
                    src=SourcesState.qr_image,
                    width="240px",
                    height="240px",
                    alt="TikTok login QR code",
                    data_testid="qr-image",
                ),
            ),
            width="100%",
            min_height="250px",
        ),
        rx.text(
            rx.match(
                phase,
                ("scanned", "Scanned, confirm in the app"),
                ("renewed", "The code expired, so here is a new one: waiting for scan"),
                ("denied", ""),
                ("failed", ""),
                "Waiting for scan",
            ),
            weight="medium",
            data_testid="qr-status",
            role="status",
        ),
        rx.cond(
            (phase == "denied") | (phase == "failed"),
            rx.vstack(
                error_callout(SourcesState.qr_message),
                rx.button("Try again", on_click=SourcesState.try_again),
            ),
        ),
        rx.text(
            "In the TikTok app: Profile → ☰ (top right) → Your QR code → tap the scan icon, "
            "then scan this code. Wait while we bring you back.",
            size="1",
        ),
        rx.cond(
            SourcesState.simulated & (SourcesState.qr_scan_url != ""),
            rx.link(
                "No phone at hand? Open the simulated TikTok app",
                href=SourcesState.qr_scan_url,
                is_external=True,
                size="1",
                data_testid="phone-link",
            ),
        ),
        rx.button(
            "Refresh QR code",
            variant="soft",
            on_click=SourcesState.refresh_qr,
            disabled=SourcesState.qr_loading,
        ),
        _troubleshooting(),
        spacing="3",
        width="100%",
    )


def _consent() -> rx.Component:
    return rx.vstack(
        rx.dialog.title("TikTok Account v.2"),
        rx.text(
            "TikTok will show the permissions Archive asks for. For full detection coverage, "
            "enable all of them, then click Continue on TikTok's page.",
            size="2",
        ),
        rx.text(
            "Due to TikTok's security policies you'll need to reconnect this account every "
            "360 days.",
            size="1",
            color_scheme="gray",
        ),
        native_form(
            rx.button("Continue to TikTok", type="submit", width="100%"),
            action="/oauth/tiktok/v2/start",
            method="get",
            style={"width": "100%"},
        ),
        spacing="3",
    )


def _troubleshooting() -> rx.Component:
    return rx.accordion.root(
        rx.accordion.item(
            header="Troubleshooting",
            content=rx.vstack(
                rx.text(
                    "QR code does not load within 2 minutes: click Refresh QR code, or close "
                    "and reopen Settings → Sources.",
                    size="1",
                ),
                rx.text(
                    "Scanning does not bring you back: update the TikTok app, check you are "
                    "logged into the correct TikTok account, and let the camera scan codes.",
                    size="1",
                ),
                rx.text(
                    "No Active status after scanning: wait 60 seconds and check the Sources "
                    "list. If it is still not Active, disconnect and connect again.",
                    size="1",
                ),
                spacing="2",
            ),
        ),
        collapsible=True,
        type="single",
        variant="ghost",
        width="100%",
    )


def _wizard() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.match(
                SourcesState.step,
                ("choose", _choose()),
                ("v1_intro", _v1_intro()),
                ("reminders", _reminders()),
                ("qr", _qr()),
                ("consent", _consent()),
                rx.fragment(),
            ),
            rx.hstack(
                rx.button(
                    "Close", variant="soft", color_scheme="gray", on_click=SourcesState.close_wizard
                ),
                justify="end",
                padding_top="12px",
            ),
            max_width="460px",
        ),
        open=SourcesState.step != "",
        on_open_change=lambda is_open: rx.cond(is_open, rx.noop(), SourcesState.close_wizard()),
    )


def _edit_reminders() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Reminder emails"),
            email_chips(
                emails=SourcesState.edit_emails,
                draft=SourcesState.edit_input,
                error=SourcesState.edit_error,
                on_type=SourcesState.set_edit_input,
                on_add=SourcesState.add_edit_email,
                on_remove=SourcesState.remove_edit_email,
            ),
            rx.hstack(
                rx.button("Cancel", variant="soft", on_click=SourcesState.cancel_edit),
                rx.button("Save", on_click=SourcesState.save_reminders),
                justify="end",
                spacing="3",
                padding_top="12px",
            ),
        ),
        open=SourcesState.edit_source_id != 0,
    )


def sources() -> rx.Component:
    return shell(
        rx.hstack(
            rx.text(
                "Connected TikTok accounts and how long until each needs reconnecting.",
                color_scheme="gray",
                size="2",
            ),
            rx.spacer(),
            rx.button("Add Source", on_click=SourcesState.open_add),
            width="100%",
            padding_bottom="12px",
        ),
        notice_callout(SourcesState.flash),
        error_callout(SourcesState.page_error),
        rx.cond(
            WorkspaceLive.sources.length() > 0,
            rx.vstack(rx.foreach(WorkspaceLive.sources, _source_row), spacing="3", width="100%"),
            rx.cond(
                WorkspaceLive.sources_loaded,
                empty_state(
                    "link",
                    "No sources yet",
                    "Click Add Source to connect your brand's TikTok account. Archive then "
                    "finds the videos that mention your brand.",
                    rx.button("Add Source", on_click=SourcesState.open_add, variant="soft"),
                ),
                rx.center(rx.spinner(), padding="40px"),
            ),
        ),
        _wizard(),
        _edit_reminders(),
        title="Sources",
    )
