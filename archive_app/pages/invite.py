"""Accepting an invitation: new people choose a password, existing ones confirm theirs."""

from __future__ import annotations

import reflex as rx

from archive_app.components.forms import card_page, error_callout, field, native_form
from archive_app.states.invite import InviteState


def invite() -> rx.Component:
    return card_page(
        rx.cond(
            InviteState.invalid != "",
            rx.vstack(
                rx.heading("Invitation unavailable", size="6"),
                rx.text(InviteState.invalid),
                rx.link("Go to the login page", href="/login"),
            ),
            rx.vstack(
                rx.heading("Join " + InviteState.workspace_name, size="6"),
                rx.text("You were invited as ", rx.text.strong(InviteState.invite_email), "."),
                error_callout(InviteState.error),
                native_form(
                    rx.vstack(
                        rx.cond(
                            InviteState.has_account,
                            field(
                                "Your Archive password",
                                "password",
                                type="password",
                                required=True,
                                auto_complete="current-password",
                            ),
                            field(
                                "Choose a password (at least 8 characters)",
                                "password",
                                type="password",
                                required=True,
                                min_length=8,
                                auto_complete="new-password",
                            ),
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
