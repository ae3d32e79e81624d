"""The link mailed to a new profile address: confirm the change with one button."""

from __future__ import annotations

import reflex as rx

from archive_app import paths
from archive_app.components.forms import card_page, native_form
from archive_app.states.email_change import EmailConfirmState


def email_confirm() -> rx.Component:
    return card_page(
        rx.cond(
            EmailConfirmState.invalid != "",
            rx.vstack(
                rx.heading("This link can't change your address", size="6"),
                rx.text(EmailConfirmState.invalid),
                rx.link("Go to your profile", href=paths.PROFILE, underline="always"),
                spacing="3",
                width="100%",
            ),
            rx.vstack(
                rx.heading("Confirm your new email address", size="6"),
                rx.text(
                    "Archive mail for your account will go to ",
                    rx.text.strong(EmailConfirmState.new_email),
                    ". You will log in with this address from now on.",
                ),
                native_form(
                    rx.button("Use this address", type="submit", size="3", width="100%"),
                    style={"width": "100%"},
                    action="/auth/email/confirm/" + EmailConfirmState.confirm_token,
                    method="post",
                ),
                rx.text(
                    "Didn't ask for this? Close this page: nothing changes.",
                    size="2",
                    color_scheme="gray",
                ),
                spacing="3",
                width="100%",
            ),
        ),
    )
