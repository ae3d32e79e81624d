"""The disconnection pop-up: shown in every open tab of the workspace until that tab closes it.

One pop-up lists every disconnected source, each with its own ``Connect Now``: two modal
dialogs would each hide the other from the accessibility tree, leaving nothing to reach.
"""

from __future__ import annotations

import reflex as rx
from reflex_base.event import EventSpec

from archive_app.states.base import AppState
from archive_app.states.source_views import SourceView


def _is_open(alert: SourceView) -> rx.Var[bool]:
    return ~AppState.dismissed_alerts.contains("," + alert.alert_key + ",")


def _any_open() -> rx.Var[bool]:
    return AppState.alerts.map(_is_open).contains(True)


# ``Later`` closes every listed source for this tab: one dismissal per listed alert.
MAX_LISTED = 12


def _dismiss_all() -> list[EventSpec]:
    return [
        AppState.dismiss_alert(
            rx.cond(AppState.alerts.length() > i, AppState.alerts[i].alert_key, "")
        )
        for i in range(MAX_LISTED)
    ]


def _item(alert: SourceView) -> rx.Component:
    return rx.cond(
        _is_open(alert),
        rx.el.li(
            rx.flex(
                rx.vstack(
                    rx.text(
                        rx.el.strong("@" + alert.handle),
                        " · " + alert.kind_name,
                        data_testid="disconnected-source-name",
                    ),
                    rx.text(
                        "Archive can no longer find mentions through @"
                        + alert.handle
                        + " ("
                        + alert.kind_name
                        + "). "
                        + alert.reason
                        + ".",
                        size="2",
                    ),
                    spacing="1",
                    flex="1",
                    min_width="0",
                ),
                rx.button(
                    "Connect Now",
                    on_click=AppState.connect_now(alert.alert_key),
                    aria_label="Connect Now @" + alert.handle,
                ),
                spacing="3",
                align="center",
                wrap="wrap",
                justify="between",
            ),
            style={"padding": "10px 0", "borderTop": "1px solid var(--gray-5)"},
            data_testid="disconnected-source",
        ),
    )


def disconnection_alerts() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("TikTok disconnected"),
            rx.alert_dialog.description(
                "Reconnect these accounts to keep your feed complete.", size="2"
            ),
            rx.el.ul(
                rx.foreach(AppState.alerts, _item),
                style={"listStyle": "none", "padding": 0, "margin": "12px 0 0 0"},
                aria_label="Disconnected sources",
            ),
            rx.flex(
                rx.alert_dialog.cancel(
                    rx.button(
                        "Later",
                        variant="soft",
                        color_scheme="gray",
                        auto_focus=True,
                        on_click=_dismiss_all(),
                    )
                ),
                justify="end",
                padding_top="12px",
            ),
            data_testid="disconnection-alert",
            max_width="520px",
        ),
        open=_any_open(),
    )
