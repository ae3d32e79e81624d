"""Small stateless form pieces."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_components_core.el.elements.base import BaseHTML


class NativeForm(BaseHTML):
    """A plain HTML form the browser submits itself: a full page load to a Starlette route.

    ``rx.el.form`` always prevents the native submit and ``rx.el.a`` becomes a client-side
    router link (Reflex 0.10.1). Log-in, sign-up, invitation and log-out (which set or clear an
    HttpOnly cookie) and "Continue to TikTok" (which leaves for TikTok) need the real thing.
    """

    tag = "form"
    action: rx.Var[str]
    method: rx.Var[str]


native_form = NativeForm.create


def field(label: str, name: str, *, type: str = "text", **props: Any) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=name, style={"fontSize": "14px", "fontWeight": 500}),
        rx.input(id=name, name=name, type=type, width="100%", size="3", **props),
        spacing="1",
        width="100%",
    )


def error_callout(message: rx.Var[str] | str) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(
            message,
            icon="triangle_alert",
            color_scheme="red",
            role="alert",
            width="100%",
            high_contrast=True,
        ),
    )


def notice_callout(message: rx.Var[str] | str) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(
            message,
            icon="info",
            color_scheme="blue",
            role="status",
            width="100%",
            high_contrast=True,
        ),
    )


def demo_mailbox_note(show: rx.Var[bool]) -> rx.Component:
    """Under a "check your email" answer in demo mode: where that email is."""
    return rx.cond(
        show,
        rx.callout(
            rx.text(
                "Demo mode: the email is in the built-in mailbox at ",
                rx.link("/dev/mail", href="/dev/mail", is_external=True, underline="always"),
                ".",
            ),
            icon="sparkles",
            color_scheme="iris",
        ),
    )


def card_page(*children: rx.Component) -> rx.Component:
    return rx.el.main(
        rx.center(
            rx.card(
                rx.vstack(
                    rx.image(src="/logo.svg", alt="Archive", width="32px", height="32px"),
                    *children,
                    spacing="4",
                    width="100%",
                ),
                width="100%",
                max_width="400px",
                padding=["20px", "28px"],
            ),
            min_height="100vh",
            padding="12px",
            background="var(--gray-2)",
        ),
    )


def confirm_button(
    label: str,
    *,
    title: rx.Var[str] | str,
    description: str,
    confirm_label: str,
    on_confirm: Any,
    aria_label: rx.Var[str] | str,
    color_scheme: str = "gray",
) -> rx.Component:
    """A small button that asks before doing something that cannot be undone."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                label,
                variant="soft",
                color_scheme=color_scheme,
                size="1",
                aria_label=aria_label,
                high_contrast=True,
            )
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft")),
                rx.alert_dialog.action(
                    rx.button(
                        confirm_label, color_scheme="red", high_contrast=True, on_click=on_confirm
                    )
                ),
                justify="end",
                spacing="3",
                padding_top="12px",
            ),
        ),
    )


def email_chips(
    *,
    emails: rx.Var[list[str]],
    draft: rx.Var[str],
    error: rx.Var[str],
    on_type: Any,
    on_add: Any,
    on_remove: Any,
) -> rx.Component:
    """A list of addresses as removable chips, with a field to add one more."""
    return rx.vstack(
        rx.flex(
            rx.foreach(
                emails,
                lambda address: rx.badge(
                    address,
                    rx.icon(
                        "x",
                        size=12,
                        cursor="pointer",
                        on_click=on_remove(address),
                        aria_label="Remove " + address,
                    ),
                    size="2",
                    variant="soft",
                    data_testid="reminder-chip",
                ),
            ),
            wrap="wrap",
            spacing="2",
        ),
        rx.form(
            rx.hstack(
                rx.input(
                    placeholder="name@brand.com",
                    value=draft,
                    on_change=on_type,
                    max_length=4000,  # states/source_views.MAX_TYPED
                    aria_label="Reminder email",
                    width="100%",
                ),
                rx.button("Add", type="submit", variant="soft"),
                width="100%",
            ),
            on_submit=on_add,
            reset_on_submit=False,
            width="100%",
        ),
        error_callout(error),
        spacing="3",
        width="100%",
    )
