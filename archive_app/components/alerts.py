"""The disconnection pop-up: shown in every open tab of the workspace until that tab closes it."""

from __future__ import annotations

import reflex as rx

from archive_app.states.base import AppState
from archive_app.states.source_views import SourceView


def _alert(alert: SourceView) -> rx.Component:
    return rx.cond(
        AppState.dismissed_alerts.contains("," + alert.alert_key + ","),
        rx.fragment(),
        rx.alert_dialog.root(
            rx.alert_dialog.content(
                rx.alert_dialog.title("TikTok disconnected: @" + alert.handle),
                rx.alert_dialog.description(
                    rx.text(
                        "Archive can no longer find mentions through @"
                        + alert.handle
                        + " ("
                        + alert.kind_name
                        + "). "
                        + alert.reason
                        + ".",
                    ),
                    rx.text("Reconnect it to keep your feed complete.", padding_top="8px"),
                ),
                rx.hstack(
                    rx.alert_dialog.cancel(
                        rx.button(
                            "Later",
                            variant="soft",
                            color_scheme="gray",
                            on_click=AppState.dismiss_alert(alert.alert_key),
                        )
                    ),
                    rx.alert_dialog.action(
                        rx.button("Connect Now", on_click=AppState.connect_now(alert.alert_key))
                    ),
                    justify="end",
                    spacing="3",
                    padding_top="16px",
                ),
                data_testid="disconnection-alert",
            ),
            open=True,
        ),
    )


def disconnection_alerts() -> rx.Component:
    return rx.foreach(AppState.alerts, _alert)
