"""Spark Ads codes in the UI: `Request Spark Ads Code` on a card (one TikTok video) and the
request window's `Spark Ads Code Duration`; Manage Rights' code cell (copy button, expiry,
`Expired` with `Request again`)."""

from __future__ import annotations

import reflex as rx

from archive_app.models.rights import SPARK_DURATIONS_DAYS
from archive_app.states.rights_request import RightsRequestState
from archive_app.states.rights_views import RequestView

S = RightsRequestState
SPARK_LABEL = "Request Spark Ads Code"
SELECT_STYLE = {
    "padding": "6px",
    "borderRadius": "6px",
    "border": "1px solid var(--gray-7)",
    "background": "var(--color-background)",
    "color": "var(--gray-12)",
    "maxWidth": "100%",
}


def spark_button(mention_id: rx.Var[int]) -> rx.Component:
    """`Request Spark Ads Code`, beside the card's usage-rights button (one TikTok video)."""
    return rx.button(
        SPARK_LABEL,
        on_click=S.open_spark_request(mention_id),
        variant="outline",
        size="2",
        width="100%",
        data_testid="spark-button",
    )


def spark_duration() -> rx.Component:
    return rx.cond(
        S.request_scope == "spark_code",
        rx.vstack(
            rx.el.label(
                "Spark Ads Code Duration",
                html_for="spark-duration",
                style={"fontSize": "14px", "fontWeight": 500},
            ),
            rx.el.select(
                *[rx.el.option(f"{d} days", value=str(d)) for d in SPARK_DURATIONS_DAYS],
                id="spark-duration",
                value=S.request_spark_days,
                on_change=S.set_request_spark_days,
                style=SELECT_STYLE,
            ),
            spacing="1",
            width="100%",
        ),
    )


def code_cell(row: RequestView) -> rx.Component:
    """Manage Rights: the code and its expiry; once expired, `Expired` and `Request again`."""
    return rx.cond(
        row.spark,
        rx.vstack(
            rx.cond(
                row.code != "",
                rx.flex(
                    rx.code(row.code, data_testid="spark-code", word_break="break-all"),
                    rx.icon_button(
                        rx.icon("copy", size=14),
                        on_click=[
                            rx.set_clipboard(row.code),
                            rx.toast.success("Spark Ads code copied.", id="rights"),
                        ],
                        variant="soft",
                        size="1",
                        aria_label="Copy the Spark Ads code of @" + row.creator_handle,
                    ),
                    spacing="2",
                    align="center",
                ),
            ),
            rx.cond(
                row.expired,
                rx.badge(
                    "Expired", color_scheme="gray", high_contrast=True, data_testid="spark-expired"
                ),
            ),
            rx.cond(row.expires != "", rx.text(row.expires, size="1", data_testid="spark-expiry")),
            rx.cond(
                row.again_mention_id > 0,
                rx.button(
                    "Request again",
                    on_click=S.request_again(row.request_id),
                    variant="outline",
                    size="1",
                ),
            ),
            spacing="1",
            max_width="180px",
        ),
        rx.text("—", size="2"),
    )
