"""Accepting an invitation: new people choose a password, existing ones confirm theirs."""

from __future__ import annotations

import reflex as rx

from archive_app import paths
from archive_app.components.forms import card_page, error_callout, field, native_form
from archive_app.states.invite import InviteState


def invite() -> rx.Component:
    return card_page(
        rx.cond(
            InviteState.invalid != "",
            rx.vstack(
                rx.heading("Invitation unavailable", size="6"),
                rx.text(InviteState.invalid),
                rx.link("Go to the login page", href=paths.LOGIN, underline="always"),
            ),
            rx.vstack(
                rx.heading("Join " + InviteState.workspace_name, size="6"),
                rx.text("You were invited as ", rx.text.strong(InviteState.invite_email), "."),
                error_callout(InviteState.error),
                native_form(
                    rx.vstack(
                        # One field for everyone: the page must not tell whoever holds the link
                        # (the inviting owner too) whether this address already has an account.
                        field(
                            "Password",
                            "password",
                            type="password",
                            required=True,
                            min_length=8,
                            auto_complete="current-password",
                            aria_describedby="password-hint",
                        ),
                        rx.text(
                            "If this address already has an Archive account, enter its "
                            "password. Otherwise choose one of at least 8 characters.",
                            id="password-hint",
                            size="2",
                            color_scheme="gray",
                        ),
                        rx.button("Accept invitation", type="submit", size="3", width="100%"),
                        spacing="3",
                        width="100%",
                    ),
                    style={"width": "100%"},
                    action="/auth/invite/" + InviteState.invite_token,
                    method="post",
                ),
                spacing="3",
                width="100%",
            ),
        ),
    )
