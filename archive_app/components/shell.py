"""The signed-in shell: sidebar (Feed, Manage Rights, Settings → Sources, Team, Profile)."""

from __future__ import annotations

import reflex as rx

from archive_app.components.alerts import disconnection_alerts
from archive_app.components.forms import native_form
from archive_app.states.base import AppState

NAV = [
    ("Feed", "/feed", "play"),
    ("Manage Rights", "/rights", "badge-check"),
]
SETTINGS_NAV = [
    ("Sources", "/settings/sources", "link"),
    ("Team", "/settings/team", "users"),
    ("Profile", "/settings/profile", "user"),
]


def _nav_link(label: str, href: str, icon: str) -> rx.Component:
    active = AppState.router.url.path == href
    return rx.link(
        rx.hstack(rx.icon(icon, size=16), rx.text(label, size="2"), align="center", spacing="2"),
        href=href,
        underline="none",
        color_scheme=rx.cond(active, "iris", "gray"),
        weight=rx.cond(active, "bold", "regular"),
        padding_y="6px",
        padding_x="8px",
        border_radius="6px",
        background=rx.cond(active, "var(--accent-3)", "transparent"),
        width="100%",
        aria_current=rx.cond(active, "page", "false"),
    )


def sidebar() -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.heading("Archive", size="5"),
            rx.text(
                AppState.workspace_name, size="2", weight="medium", data_testid="workspace-name"
            ),
            rx.text(
                AppState.member_count.to_string() + " members",
                size="1",
                color_scheme="gray",
            ),
            spacing="1",
            padding_bottom="12px",
        ),
        rx.el.nav(
            rx.vstack(
                *[_nav_link(*item) for item in NAV],
                rx.text("Settings", size="1", color_scheme="gray", padding_top="12px"),
                *[_nav_link(*item) for item in SETTINGS_NAV],
                spacing="1",
                width="100%",
            ),
            aria_label="Main",
            style={"width": "100%"},
        ),
        rx.spacer(),
        rx.vstack(
            rx.text("Signed in as", size="1", color_scheme="gray"),
            rx.text(AppState.email, size="2", data_testid="signed-in-email"),
            native_form(
                rx.button("Log out", type="submit", variant="soft", size="1"),
                action="/auth/logout",
                method="post",
            ),
            spacing="1",
        ),
        width="230px",
        min_width="230px",
        height="100vh",
        padding="20px",
        border_right="1px solid var(--gray-5)",
        position="sticky",
        top="0",
    )


def shell(*content: rx.Component, title: str) -> rx.Component:
    """A signed-in page; shows nothing but a spinner until the viewer is known."""
    return rx.cond(
        AppState.signed_in,
        rx.hstack(
            sidebar(),
            rx.box(
                rx.heading(title, size="6", padding_bottom="16px"),
                *content,
                disconnection_alerts(),
                padding="28px",
                width="100%",
                max_width="1100px",
            ),
            align="start",
            spacing="0",
            width="100%",
        ),
        rx.center(rx.spinner(size="3"), height="100vh"),
    )


def empty_state(icon: str, title: str, body: str, *actions: rx.Component) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon(icon, size=36, color="var(--gray-9)"),
            rx.heading(title, size="4"),
            rx.text(body, color_scheme="gray", text_align="center", max_width="460px"),
            *actions,
            align="center",
            spacing="3",
        ),
        padding="48px",
        border="1px dashed var(--gray-6)",
        border_radius="12px",
        data_testid="empty-state",
    )
