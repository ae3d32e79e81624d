"""Settings → Profile: email (where notifications go), password, and other sessions."""

from __future__ import annotations

import reflex as rx

from archive_app.components.forms import error_callout, notice_callout
from archive_app.components.shell import shell
from archive_app.states.profile import ProfileState


def _input(label: str, value: rx.Var[str], on_change: rx.EventHandler, type: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", weight="medium"),
        rx.input(value=value, on_change=on_change, type=type, aria_label=label, width="100%"),
        spacing="1",
        width="100%",
        max_width="320px",
    )


def profile() -> rx.Component:
    return shell(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("Email", size="3", as_="h2"),
                    rx.text(
                        "Current: ",
                        rx.text.strong(ProfileState.email),
                        ". Disconnection alerts and reminders go here.",
                        size="2",
                    ),
                    rx.text(
                        "To change it, we send a link to the new address: your address "
                        "changes when you open it (within 1 hour).",
                        size="2",
                        color_scheme="gray",
                    ),
                    _input(
                        "New email", ProfileState.new_email, ProfileState.set_new_email, "email"
                    ),
                    _input(
                        "Current password",
                        ProfileState.email_password,
                        ProfileState.set_email_password,
                        "password",
                    ),
                    error_callout(ProfileState.email_error),
                    notice_callout(ProfileState.email_saved),
                    rx.button("Save email", type="submit"),
                    spacing="3",
                ),
                on_submit=ProfileState.save_email,
            ),
            margin_bottom="20px",
        ),
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("Password", size="3", as_="h2"),
                    _input(
                        "Current password",
                        ProfileState.current_password,
                        ProfileState.set_current_password,
                        "password",
                    ),
                    _input(
                        "New password (at least 8 characters)",
                        ProfileState.new_password,
                        ProfileState.set_new_password,
                        "password",
                    ),
                    error_callout(ProfileState.password_error),
                    notice_callout(ProfileState.password_saved),
                    rx.button("Change password", type="submit"),
                    spacing="3",
                ),
                on_submit=ProfileState.save_password,
            ),
            margin_bottom="20px",
        ),
        rx.card(
            rx.vstack(
                rx.heading("Sessions", size="3", as_="h2"),
                rx.text(
                    "Signed in on a computer you no longer use, or lost a phone? End every "
                    "session but this one. Changing your password does this too.",
                    size="2",
                ),
                notice_callout(ProfileState.sessions_saved),
                rx.button(
                    "Log out other sessions",
                    on_click=ProfileState.log_out_other_sessions,
                    variant="outline",
                ),
                spacing="3",
            ),
        ),
        title="Profile",
    )
