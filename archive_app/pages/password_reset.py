"""Forgot password: ask for a link (/forgot), then set a new password (/reset/<token>).

Plain HTML form posts, so the new session cookie is set by a full page load."""

from __future__ import annotations

import reflex as rx

from archive_app import paths
from archive_app.components.forms import (
    card_page,
    demo_mailbox_note,
    error_callout,
    field,
    native_form,
)
from archive_app.states.password_reset import ForgotState, ResetState

SENT_ANSWER = "If an account uses that address, we sent a link"


def _back_to_login() -> rx.Component:
    return rx.text(
        "Remembered it? ",
        rx.link("Log in", href=paths.LOGIN, underline="always"),
        size="2",
    )


def _forgot_form() -> rx.Component:
    return rx.vstack(
        rx.heading("Forgot your password?", size="6"),
        rx.text(
            "Enter the email address of your Archive account. We'll email you a link to "
            "choose a new password."
        ),
        error_callout(ForgotState.error),
        native_form(
            rx.vstack(
                field(
                    "Email",
                    "email",
                    type="email",
                    default_value=ForgotState.email,
                    auto_complete="username",
                    required=True,
                ),
                rx.button("Email me a link", type="submit", size="3", width="100%"),
                spacing="3",
                width="100%",
            ),
            style={"width": "100%"},
            action="/auth/forgot",
            method="post",
        ),
        _back_to_login(),
        spacing="3",
        width="100%",
    )


def _sent() -> rx.Component:
    """The one answer, whether or not an account uses the address."""
    return rx.vstack(
        rx.heading("Check your email", size="6"),
        rx.callout(
            SENT_ANSWER + ".",
            icon="mail",
            color_scheme="blue",
            role="status",
            width="100%",
            high_contrast=True,
        ),
        rx.text(
            "The link works once, for 1 hour. Nothing arrived after a few minutes? Check your "
            "spam folder, check the address, or ",
            rx.link("ask for a new link", href=paths.FORGOT, underline="always"),
            ".",
            size="2",
        ),
        demo_mailbox_note(ForgotState.demo_mode),
        _back_to_login(),
        spacing="3",
        width="100%",
        data_testid="forgot-sent",
    )


def _done() -> rx.Component:
    return rx.vstack(
        rx.heading("Your new password is set", size="6"),
        rx.callout(
            "You're logged in with it here. Every other browser that was logged in to your "
            "account has been logged out.",
            icon="circle_check",
            color_scheme="green",
            role="status",
            width="100%",
            high_contrast=True,
        ),
        rx.link("Continue to Archive", href=paths.FEED, underline="always", weight="medium"),
        spacing="3",
        width="100%",
        data_testid="reset-done",
    )


def forgot() -> rx.Component:
    return card_page(
        rx.cond(ForgotState.sent, _sent(), rx.cond(ForgotState.done, _done(), _forgot_form()))
    )


def _link_ended() -> rx.Component:
    return rx.vstack(
        rx.heading("This link no longer works", size="6"),
        rx.text(ResetState.invalid),
        rx.link("Ask for a new link", href=paths.FORGOT, underline="always", weight="medium"),
        _back_to_login(),
        spacing="3",
        width="100%",
        data_testid="reset-invalid",
    )


def _new_password_form() -> rx.Component:
    return rx.vstack(
        rx.heading("Choose a new password", size="6"),
        rx.text("For ", rx.text.strong(ResetState.account_email), "."),
        error_callout(ResetState.error),
        native_form(
            rx.vstack(
                # The account's address, for password managers (not sent: the link says whose).
                rx.el.input(
                    type="email",
                    name="username",
                    value=ResetState.account_email,
                    auto_complete="username",
                    read_only=True,
                    hidden=True,
                ),
                field(
                    "New password (at least 8 characters)",
                    "password",
                    type="password",
                    auto_complete="new-password",
                    required=True,
                    min_length=8,
                ),
                field(
                    "New password again",
                    "password_again",
                    type="password",
                    auto_complete="new-password",
                    required=True,
                    min_length=8,
                ),
                rx.text(
                    "Setting it logs your account out of every browser, and logs you in here.",
                    size="2",
                    color_scheme="gray",
                ),
                rx.button("Set new password", type="submit", size="3", width="100%"),
                spacing="3",
                width="100%",
            ),
            style={"width": "100%"},
            action="/auth/reset/" + ResetState.reset_token,
            method="post",
        ),
        spacing="3",
        width="100%",
    )


def reset() -> rx.Component:
    return card_page(rx.cond(ResetState.invalid != "", _link_ended(), _new_password_form()))
