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
        rx.callout(message, icon="triangle_alert", color_scheme="red", role="alert", width="100%"),
    )


def notice_callout(message: rx.Var[str] | str) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="info", color_scheme="blue", role="status", width="100%"),
    )


def card_page(*children: rx.Component) -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(*children, spacing="4", width="100%"),
            width="400px",
            padding="28px",
        ),
        min_height="100vh",
        background="var(--gray-2)",
    )
