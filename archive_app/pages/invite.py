"""Accepting an invitation: new people choose a password; existing accounts log in first."""

from __future__ import annotations

import reflex as rx

from archive_app import paths
from archive_app.components.forms import card_page, error_callout, field, native_form
from archive_app.states.invite import InviteState


def _accept_signed_in() -> rx.Component:
    """Signed in as the invited account: one button, no password (the session is the proof)."""
    return native_form(
        rx.vstack(
            rx.text("You are logged in as ", rx.text.strong(InviteState.signed_in_as), "."),
            rx.button("Accept invitation", type="submit", size="3", width="100%"),
            spacing="3",
            width="100%",
        ),
        style={"width": "100%"},
        action="/auth/invite/" + InviteState.invite_token,
        method="post",
    )


def _log_in_first() -> rx.Component:
    """The address has an account: log in as it through the normal log-in, then come back."""
    return rx.cond(
        InviteState.signed_in_as != "",
        rx.vstack(
            rx.text(
                "You are logged in as ",
                rx.text.strong(InviteState.signed_in_as),
                ". This invitation is for ",
                rx.text.strong(InviteState.invite_email),
                ": log out, then open the invitation link again and log in as ",
                InviteState.invite_email,
                ".",
            ),
            native_form(
                rx.button("Log out", type="submit", variant="outline", size="3", width="100%"),
                style={"width": "100%"},
                action="/auth/logout",
                method="post",
            ),
            spacing="3",
            width="100%",
        ),
        rx.vstack(
            rx.text(
                InviteState.invite_email,
                " already has an Archive account. Log in as ",
                rx.text.strong(InviteState.invite_email),
                " to accept.",
            ),
            rx.link(
                "Log in to accept",
                href=paths.LOGIN + "?next=" + paths.INVITE + "/" + InviteState.invite_token,
                underline="always",
                weight="medium",
                data_testid="invite-login-link",
            ),
            spacing="3",
            width="100%",
        ),
    )


def _choose_password() -> rx.Component:
    """A new address: the link reached its mailbox, so it may choose the account's password."""
    return native_form(
        rx.vstack(
            field(
                "Password",
                "password",
                type="password",
                required=True,
                min_length=8,
                auto_complete="new-password",
                aria_describedby="password-hint",
            ),
            rx.text(
                "Choose a password of at least 8 characters for your new Archive account.",
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
    )


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
                rx.cond(
                    InviteState.has_account,
                    rx.cond(InviteState.can_accept, _accept_signed_in(), _log_in_first()),
                    _choose_password(),
                ),
                spacing="3",
                width="100%",
            ),
        ),
    )
