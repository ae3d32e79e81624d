"""Log in and sign up: plain HTML form posts, so the HttpOnly cookie is set by a full page load."""

from __future__ import annotations

import reflex as rx

from archive_app import paths
from archive_app.components.forms import (
    card_page,
    demo_mailbox_note,
    error_callout,
    field,
    native_form,
    notice_callout,
)
from archive_app.services.demo import DEMO_MEMBER, DEMO_OWNER, DEMO_PASSWORD
from archive_app.states.base import PublicState


def _demo_hint() -> rx.Component:
    return rx.cond(
        PublicState.demo_mode,
        rx.callout(
            rx.text(
                "Demo mode: log in as ",
                rx.code(DEMO_OWNER),
                " (owner) or ",
                rx.code(DEMO_MEMBER),
                " (member), password ",
                rx.code(DEMO_PASSWORD),
                ".",
            ),
            icon="sparkles",
            color_scheme="iris",
            data_testid="demo-hint",
        ),
    )


def _login_form() -> rx.Component:
    return rx.vstack(
        rx.heading("Log in to Archive", size="6"),
        notice_callout(PublicState.notice),
        error_callout(PublicState.error),
        _demo_hint(),
        native_form(
            rx.vstack(
                field(
                    "Email",
                    "email",
                    type="email",
                    default_value=PublicState.email,
                    auto_complete="username",
                    required=True,
                ),
                field(
                    "Password",
                    "password",
                    type="password",
                    auto_complete="current-password",
                    required=True,
                ),
                rx.link("Forgot password?", href=paths.FORGOT, underline="always", size="2"),
                rx.el.input(type="hidden", name="next", value=PublicState.next_path),
                rx.button("Log in", type="submit", size="3", width="100%"),
                spacing="3",
                width="100%",
            ),
            style={"width": "100%"},
            action="/auth/login",
            method="post",
        ),
        rx.text(
            "New to Archive? ",
            rx.link("Create an account", href=paths.SIGNUP, underline="always"),
            size="2",
        ),
        spacing="4",
        width="100%",
    )


def _setup_code_field() -> rx.Component:
    """Production only: the code the server printed in its log, so that only whoever runs
    the server can claim a fresh instance."""
    return rx.vstack(
        field(
            "Setup code",
            "setup_code",
            placeholder="XXXX-XXXX-XXXX",
            auto_complete="off",
            spell_check=False,
            required=True,
            aria_describedby="setup-code-hint",
        ),
        rx.text(
            "Find it in the server's log, in the line “Archive has no owner yet”.",
            id="setup-code-hint",
            size="2",
            color_scheme="gray",
        ),
        spacing="1",
        width="100%",
    )


def _first_owner_form() -> rx.Component:
    """A fresh instance (nobody has an account yet): whoever opens it first sets it up."""
    return rx.vstack(
        rx.heading("Set up Archive", size="6"),
        rx.text(
            "Nobody has an account here yet. Create the owner account and your brand's "
            "workspace; you can invite your team from Settings → Team afterwards."
        ),
        error_callout(PublicState.error),
        native_form(
            rx.vstack(
                field(
                    "Your email",
                    "email",
                    type="email",
                    default_value=PublicState.email,
                    auto_complete="username",
                    required=True,
                ),
                field(
                    "Password (at least 8 characters)",
                    "password",
                    type="password",
                    auto_complete="new-password",
                    required=True,
                    min_length=8,
                ),
                field(
                    "Workspace name",
                    "workspace",
                    default_value=PublicState.workspace,
                    placeholder="Your brand",
                    required=True,
                ),
                rx.cond(PublicState.setup_code_needed, _setup_code_field()),
                rx.button("Create owner account", type="submit", size="3", width="100%"),
                spacing="3",
                width="100%",
            ),
            style={"width": "100%"},
            action="/auth/setup",
            method="post",
        ),
        spacing="4",
        width="100%",
        data_testid="first-owner",
    )


def _checking() -> rx.Component:
    """Until the page's load said whether anyone has an account: a fresh instance must not
    show "Log in to Archive" for a moment before "Set up Archive"."""
    return rx.center(rx.spinner(size="3"), min_height="12rem", aria_busy="true", width="100%")


def login() -> rx.Component:
    return card_page(
        rx.cond(
            PublicState.owner_checked,
            rx.cond(PublicState.needs_owner, _first_owner_form(), _login_form()),
            _checking(),
        )
    )


def _signup_sent() -> rx.Component:
    """After the sign-up form: the same words whether or not the address has an account."""
    return rx.vstack(
        rx.heading("Check your email", size="6"),
        rx.text(
            "We sent the next step to the address you entered. Open the link in it, in this "
            "browser, within 24 hours to finish creating your workspace."
        ),
        rx.text(
            "If that address already has an Archive account, the email says so and links to "
            "the login page instead. Nothing arrived after a few minutes? Check your spam "
            "folder, or ",
            rx.link("sign up again", href=paths.SIGNUP, underline="always"),
            ".",
            size="2",
        ),
        demo_mailbox_note(PublicState.demo_mode),
        _log_in_instead(),
        spacing="3",
        width="100%",
        data_testid="signup-sent",
    )


def _log_in_instead() -> rx.Component:
    return rx.text(
        "Already have an account? ",
        rx.link("Log in", href=paths.LOGIN, underline="always"),
        size="2",
    )


def _signup_form() -> rx.Component:
    return rx.vstack(
        rx.heading("Create your workspace", size="6"),
        error_callout(PublicState.error),
        native_form(
            rx.vstack(
                field(
                    "Work email",
                    "email",
                    type="email",
                    default_value=PublicState.email,
                    auto_complete="username",
                    required=True,
                ),
                field(
                    "Password (at least 8 characters)",
                    "password",
                    type="password",
                    auto_complete="new-password",
                    required=True,
                    min_length=8,
                ),
                field(
                    "Workspace name",
                    "workspace",
                    default_value=PublicState.workspace,
                    placeholder="Your brand",
                    required=True,
                ),
                rx.button("Create account", type="submit", size="3", width="100%"),
                spacing="3",
                width="100%",
            ),
            style={"width": "100%"},
            action="/auth/signup",
            method="post",
        ),
        rx.text(
            "We'll email you a link to confirm the address before anything is created.",
            size="2",
        ),
        _log_in_instead(),
        spacing="3",
        width="100%",
    )


def signup() -> rx.Component:
    # ``?sent=1`` is where the sign-up form lands, for a new address and a known one alike.
    sent = PublicState.router.url.query_parameters.contains("sent")
    return card_page(rx.cond(sent, _signup_sent(), _signup_form()))
