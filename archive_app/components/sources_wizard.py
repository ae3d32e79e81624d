"""The connect wizard of Settings → Sources, step by step, with the spec's labels verbatim."""

from __future__ import annotations

import reflex as rx

from archive_app.components.forms import email_chips, error_callout, native_form
from archive_app.integrations.tiktok.kinds import Kind, spec
from archive_app.states.sources_wizard import ConnectWizardState

# Every number and label of a kind comes from its row in kinds.py (the help article's promises).
V1, V2 = spec(Kind.tiktok_v1), spec(Kind.tiktok_v2)


def _choose() -> rx.Component:
    def option(title: str, summary: str, on_click: rx.EventHandler) -> rx.Component:
        return rx.button(
            rx.vstack(
                rx.text(title, weight="bold"),
                rx.text(summary, size="1"),
                align="start",
                spacing="1",
                # A button centres its text: title and description both start on the left.
                text_align="left",
                width="100%",
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
            V1.display_name,
            f"{V1.summary}. Reconnect every {V1.reconnect_days} days.",
            ConnectWizardState.choose_v1,
        ),
        option(
            V2.display_name,
            f"{V2.summary}. Reconnect every {V2.reconnect_days} days.",
            ConnectWizardState.choose_v2,
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
        rx.dialog.title(V1.display_name),
        rx.text(
            "Due to TikTok's security policies you'll need to reconnect this account every "
            f"{V1.reconnect_days} days. We can email reminders before that happens.",
            size="2",
        ),
        rx.button("Set Up Reminders", on_click=ConnectWizardState.setup_reminders),
        spacing="3",
    )


def _reminders() -> rx.Component:
    return rx.vstack(
        rx.dialog.title("Set Up Reminders"),
        rx.cond(
            ConnectWizardState.reconnect_handle != "",
            rx.text("Reconnecting @" + ConnectWizardState.reconnect_handle + ".", size="2"),
        ),
        rx.text(
            "Who should we remind before this connection needs renewing? Add as many "
            "addresses as you like.",
            size="2",
        ),
        email_chips(
            emails=ConnectWizardState.reminder_emails,
            draft=ConnectWizardState.reminder_input,
            error=ConnectWizardState.reminder_error,
            on_type=ConnectWizardState.set_reminder_input,
            on_add=ConnectWizardState.add_reminder_email,
            on_remove=ConnectWizardState.remove_reminder_email,
        ),
        rx.button("Connect TikTok", on_click=ConnectWizardState.connect_tiktok, width="100%"),
        spacing="3",
        width="100%",
    )


def _qr() -> rx.Component:
    phase = ConnectWizardState.qr_phase
    return rx.vstack(
        rx.dialog.title("Scan with the TikTok app"),
        rx.center(
            rx.cond(
                ConnectWizardState.qr_loading | (ConnectWizardState.qr_image == ""),
                rx.vstack(
                    rx.spinner(size="3"), rx.text("Loading your QR code…", size="2"), align="center"
                ),
                rx.image(
                    src=ConnectWizardState.qr_image,
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
                error_callout(ConnectWizardState.qr_message),
                rx.button("Try again", on_click=ConnectWizardState.try_again),
            ),
        ),
        rx.text(
            "In the TikTok app: Profile → ☰ (top right) → Your QR code → tap the scan icon, "
            "then scan this code. Wait while we bring you back.",
            size="1",
        ),
        rx.cond(
            ConnectWizardState.simulated & (ConnectWizardState.qr_scan_url != ""),
            rx.link(
                "No phone at hand? Open the simulated TikTok app",
                href=ConnectWizardState.qr_scan_url,
                is_external=True,
                size="1",
                data_testid="phone-link",
            ),
        ),
        rx.button(
            "Refresh QR code",
            variant="soft",
            on_click=ConnectWizardState.refresh_qr,
            disabled=ConnectWizardState.qr_loading,
        ),
        _troubleshooting(),
        spacing="3",
        width="100%",
    )


def _consent() -> rx.Component:
    return rx.vstack(
        rx.dialog.title(V2.display_name),
        rx.text(
            "TikTok will show the permissions Archive asks for. For full detection coverage, "
            "enable all of them, then click Continue on TikTok's page.",
            size="2",
        ),
        rx.text(
            "Due to TikTok's security policies you'll need to reconnect this account every "
            f"{V2.reconnect_days} days.",
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


def sources_wizard() -> rx.Component:
    """Add Source / Reconnect: pick a kind, then the QR flow (v.1) or TikTok's consent (v.2)."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.match(
                ConnectWizardState.step,
                ("choose", _choose()),
                ("v1_intro", _v1_intro()),
                ("reminders", _reminders()),
                ("qr", _qr()),
                ("consent", _consent()),
                rx.fragment(),
            ),
            rx.hstack(
                rx.button(
                    "Close",
                    variant="soft",
                    color_scheme="gray",
                    on_click=ConnectWizardState.close_wizard,
                ),
                justify="end",
                padding_top="12px",
            ),
            max_width="460px",
        ),
        open=ConnectWizardState.step != "",
        on_open_change=lambda is_open: rx.cond(
            is_open, rx.noop(), ConnectWizardState.close_wizard()
        ),
    )
