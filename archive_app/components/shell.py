"""The signed-in shell: sidebar (Feed, Manage Rights, Settings → Sources, Team, Profile)."""

from __future__ import annotations

import reflex as rx

from archive_app import paths
from archive_app.components.alerts import disconnection_alerts
from archive_app.components.forms import native_form
from archive_app.states.base import AppState

NAV = [
    ("Feed", paths.FEED, "play"),
    ("Social Profiles", paths.CREATORS, "users-round"),
    ("Manage Rights", paths.RIGHTS, "badge-check"),
]
SETTINGS_NAV = [
    ("Sources", paths.SOURCES, "link"),
    ("Team", paths.TEAM, "users"),
    ("Profile", paths.PROFILE, "user"),
]


def _nav_link(label: str, href: str, icon: str) -> rx.Component:
    path = AppState.router.url.path
    active = (path == href) | (path == href + "/")  # static pages answer with a trailing slash
    return rx.link(
        rx.hstack(rx.icon(icon, size=16), rx.text(label, size="2"), align="center", spacing="2"),
        href=href,
        underline="none",
        color_scheme=rx.cond(active, "iris", "gray"),
        high_contrast=True,
        # Reflex's default hover colour (accent-8) is too faint to read on the active background.
        _hover={"color": "var(--accent-12)", "background": "var(--accent-4)"},
        weight=rx.cond(active, "bold", "regular"),
        padding_y="6px",
        padding_x="8px",
        border_radius="6px",
        background=rx.cond(active, "var(--accent-3)", "transparent"),
        width="100%",
        aria_current=rx.cond(active, "page", "false"),
    )


def brand(*, size: str) -> rx.Component:
    """The logo (assets/logo.svg, decorative: the word says it) and the name."""
    return rx.hstack(
        rx.image(src="/logo.svg", alt="", width="24px", height="24px"),
        rx.text("Archive", size=size, weight="bold"),
        spacing="2",
        align="center",
    )


def _workspace() -> rx.Component:
    return rx.vstack(
        brand(size="5"),
        rx.text(AppState.workspace_name, size="2", weight="medium", data_testid="workspace-name"),
        rx.text(
            AppState.member_count.to_string()
            + rx.cond(AppState.member_count == 1, " member", " members"),
            size="1",
            color_scheme="gray",
        ),
        spacing="1",
        padding_bottom="12px",
    )


def _nav() -> rx.Component:
    return rx.el.nav(
        rx.vstack(
            *[_nav_link(*item) for item in NAV],
            rx.text("Settings", size="1", color_scheme="gray", padding_top="12px"),
            *[_nav_link(*item) for item in SETTINGS_NAV],
            spacing="1",
            width="100%",
        ),
        aria_label="Main",
        style={"width": "100%"},
    )


def _account() -> rx.Component:
    return rx.vstack(
        rx.text("Signed in as", size="1", color_scheme="gray"),
        rx.text(AppState.email, size="2", data_testid="signed-in-email", word_break="break-all"),
        native_form(
            rx.button("Log out", type="submit", variant="soft", size="1"),
            action="/auth/logout",
            method="post",
        ),
        spacing="1",
    )


# Read by screen readers, not shown (the usual "sr-only" rules).
SR_ONLY = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "padding": "0",
    "margin": "-1px",
    "overflow": "hidden",
    "clip": "rect(0, 0, 0, 0)",
    "whiteSpace": "nowrap",
    "border": "0",
}

# Radix breakpoints: index 2 is 48em (768 px), a tablet's width. Below it the sidebar is a menu.
WIDE_ONLY = ["none", "none", "flex"]
NARROW_ONLY = ["flex", "flex", "none"]


def sidebar() -> rx.Component:
    return rx.el.aside(
        rx.vstack(
            _workspace(),
            _nav(),
            rx.spacer(),
            _account(),
            height="100%",
        ),
        aria_label="Workspace",
        style={
            "width": "230px",
            "minWidth": "230px",
            "height": "100vh",
            "padding": "20px",
            "borderRight": "1px solid var(--gray-5)",
            "position": "sticky",
            "top": "0",
        },
    )


def _menu() -> rx.Component:
    """The sidebar's content in a drawer, for screens narrower than a tablet."""
    return rx.drawer.root(
        rx.drawer.trigger(
            rx.icon_button(rx.icon("menu"), variant="soft", size="3", aria_label="Menu"),
        ),
        rx.drawer.overlay(z_index="5"),
        rx.drawer.portal(
            rx.drawer.content(
                rx.vstack(
                    rx.flex(
                        rx.drawer.close(
                            rx.icon_button(
                                rx.icon("x"), variant="ghost", size="2", aria_label="Close menu"
                            )
                        ),
                        justify="end",
                        width="100%",
                    ),
                    _workspace(),
                    _nav(),
                    rx.spacer(),
                    _account(),
                    height="100%",
                    padding="20px",
                    width="100%",
                ),
                role="dialog",
                aria_label="Menu",
                top="0",
                left="0",
                height="100%",
                width="min(280px, 85vw)",
                background_color="var(--color-panel-solid)",
                z_index="6",
            ),
        ),
        direction="left",
    )


def top_bar() -> rx.Component:
    return rx.el.header(
        rx.flex(
            _menu(),
            brand(size="3"),
            rx.text(AppState.workspace_name, size="2", color_scheme="gray", truncate=True),
            align="center",
            spacing="3",
            padding="10px 16px",
            border_bottom="1px solid var(--gray-5)",
            display=NARROW_ONLY,
            width="100%",
        ),
    )


# Sonner's rich colours are 4.2:1 on their pale backgrounds; these darker ones pass AA (4.5:1).
TOAST_CONTRAST = (
    "[data-sonner-toaster][data-sonner-theme='light'][data-sonner-theme='light'] {"
    " --success-text: hsl(140, 100%, 22%); --error-text: hsl(360, 100%, 36%);"
    " --warning-text: hsl(31, 92%, 28%); --info-text: hsl(210, 92%, 34%); }"
)


def shell(*content: rx.Component, title: str, alerts: bool = True) -> rx.Component:
    """A signed-in page; shows nothing but a spinner until the viewer is known.

    ``alerts=False``: no disconnection pop-up (Settings → Sources, whose red rows say it and
    whose reconnect wizard must not open under it)."""
    return rx.fragment(rx.el.style(TOAST_CONTRAST), _shell(*content, title=title, alerts=alerts))


def _shell(*content: rx.Component, title: str, alerts: bool) -> rx.Component:
    return rx.cond(
        AppState.signed_in,
        rx.flex(
            # Sticky here, on the flex item: the page scrolls, the sidebar stays in place.
            rx.box(
                sidebar(),
                display=WIDE_ONLY,
                position="sticky",
                top="0",
                height="100vh",
                align_self="flex-start",
            ),
            rx.box(
                top_bar(),
                rx.el.main(
                    rx.box(
                        rx.heading(title, size="6", as_="h1", padding_bottom="16px"),
                        *content,
                        *([disconnection_alerts()] if alerts else []),
                        padding=["16px", "16px", "28px"],
                        max_width="1100px",
                    ),
                ),
                flex="1",
                min_width="0",
            ),
            align="start",
            width="100%",
        ),
        rx.el.main(rx.center(rx.spinner(size="3"), height="100vh")),
    )


def empty_state(icon: str, title: str, body: str, *actions: rx.Component) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon(icon, size=36, color="var(--gray-9)"),
            rx.heading(title, size="4", as_="h2"),
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
