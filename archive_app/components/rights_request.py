"""The "Looking for usage rights?" button (on every video card) and its window.

A page includes ``rights_request_dialog()`` once and puts ``request_button(...)`` on each card.
The window: left the message, right a live preview of the DM as the creator sees it on TikTok.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars.function import FunctionStringVar

from archive_app.components.forms import error_callout, notice_callout
from archive_app.components.rights_spark import SPARK_LABEL, spark_duration
from archive_app.components.rights_terms import request_terms
from archive_app.services.rights.link import ANSWER_LABEL, COPY_NOTE
from archive_app.services.rights.query import MESSAGE_LIMIT
from archive_app.states.rights_request import RightsRequestState, SenderView

S = RightsRequestState
LABEL = "Looking for usage rights?"
DISCLAIMER = (
    "Usage rights requests are for tracking. Archive does not provide legal counsel or "
    "guarantees regarding usage rights."
)


def request_button(mention_id: rx.Var[int], rights_status: rx.Var[str]) -> rx.Component:
    """The card's button; ``rights_status`` is the mention's code ("" / in_queue / requested /
    approved / declined). Disabled once the rights are Approved or Declined."""
    closed = (rights_status == "approved") | (rights_status == "declined")
    return rx.button(
        LABEL,
        on_click=S.open_request([mention_id]),
        disabled=closed,
        title=rx.cond(closed, "Usage rights for this video are already decided.", LABEL),
        variant="soft",
        size="2",
        width="100%",
        data_testid="rights-button",
    )


def _sender_picker() -> rx.Component:
    def option(sender: SenderView) -> rx.Component:
        return rx.el.option("@" + sender.handle, value=sender.source_id)

    return rx.cond(
        S.request_senders.length() > 1,
        rx.vstack(
            rx.el.label(
                "Send from", html_for="rights-sender", style={"fontSize": "14px", "fontWeight": 500}
            ),
            rx.el.select(
                rx.foreach(S.request_senders, option),
                id="rights-sender",
                value=S.request_sender,
                on_change=S.set_request_sender,
                style={
                    "padding": "6px",
                    "borderRadius": "6px",
                    "border": "1px solid var(--gray-7)",
                    "background": "var(--color-background)",
                    "color": "var(--gray-12)",
                    "maxWidth": "100%",
                },
            ),
            spacing="1",
            width="100%",
        ),
    )


def _editor() -> rx.Component:
    return rx.vstack(
        rx.el.label(
            "Message to @" + S.request_creator,
            html_for="rights-message",
            style={"fontSize": "14px", "fontWeight": 500},
        ),
        rx.text(
            "Say why you want to use their content, how you plan to use it, and any other "
            "relevant details. Rights requested cover all digital media unless you say otherwise.",
            size="1",
            color_scheme="gray",
            id="rights-message-help",
        ),
        rx.text_area(
            id="rights-message",
            value=S.request_message,
            on_change=S.set_request_message,
            rows="12",
            width="100%",
            aria_describedby="rights-message-help rights-message-count",
            aria_invalid=rx.cond(S.request_error != "", "true", "false"),
        ),
        rx.text(
            S.request_length,
            size="1",
            color_scheme="gray",
            id="rights-message-count",
            title=f"The limit of one TikTok message from Archive: {MESSAGE_LIMIT:,} characters.",
        ),
        error_callout(S.request_error),
        notice_callout(S.request_saved_note),
        spark_duration(),
        request_terms(),
        _sender_picker(),
        rx.button(
            "Save as Default Message",
            on_click=S.save_default_message,
            variant="outline",
            type="button",
        ),
        spacing="2",
        width="100%",
        flex="1",
        min_width="0",
    )


def _preview() -> rx.Component:
    handle = rx.cond(S.request_brand_handle != "", "@" + S.request_brand_handle, "Your brand")
    return rx.vstack(
        rx.text("Preview: how @" + S.request_creator + " sees it", size="2", weight="medium"),
        rx.box(
            rx.hstack(
                rx.cond(
                    S.request_brand_avatar != "",
                    # Decorative: the @handle beside it says who it is.
                    rx.el.img(
                        src=S.request_brand_avatar,
                        alt="",
                        data_testid="preview-avatar",
                        # Reflex turns width/height props into CSS, where a bare "32" is no
                        # length: the avatar filled the whole preview. Sizes with units.
                        style={
                            "width": "32px",
                            "height": "32px",
                            "flexShrink": "0",
                            "borderRadius": "50%",
                            "objectFit": "cover",
                        },
                    ),
                    rx.icon("circle-user", size=32, aria_hidden="true"),
                ),
                rx.text(handle, size="2", weight="bold", data_testid="preview-sender"),
                align="center",
                spacing="2",
            ),
            rx.box(
                rx.text(
                    S.request_message,
                    size="2",
                    white_space="pre-wrap",
                    overflow_wrap="anywhere",
                ),
                rx.foreach(
                    S.request_links,
                    lambda link: rx.text(
                        link, size="2", overflow_wrap="anywhere", padding_top="6px"
                    ),
                ),
                rx.cond(
                    S.request_answer_url != "",
                    rx.text(
                        f"{ANSWER_LABEL} " + S.request_answer_url + f"\n{COPY_NOTE}",
                        size="2",
                        white_space="pre-wrap",
                        overflow_wrap="anywhere",
                        padding_top="10px",
                        data_testid="preview-answer-link",
                    ),
                ),
                background="var(--gray-3)",
                color="var(--gray-12)",
                padding="10px 12px",
                border_radius="14px 14px 14px 4px",
                margin_top="10px",
                data_testid="preview-bubble",
            ),
            padding="12px",
            border="1px solid var(--gray-5)",
            border_radius="10px",
            width="100%",
            role="group",
            aria_label="Preview of the TikTok message",
        ),
        rx.text(
            "Links in TikTok messages are not clickable: the creator copies them into a browser.",
            size="1",
            color_scheme="gray",
        ),
        spacing="2",
        width="100%",
        flex="1",
        min_width="0",
    )


# The window opens from any card's button (not a Radix trigger), so Radix would hand focus back
# to the page's body on close: remember the element that had focus when it opened (the button)
# and give focus back to it, as a keyboard or screen-reader user expects. Plain browser code,
# run synchronously by Radix; no event reaches the server.
REMEMBER_OPENER: FunctionStringVar[Any] = FunctionStringVar.create(
    "(e) => { window.__archiveRightsOpener = document.activeElement; }"
)
RETURN_FOCUS: FunctionStringVar[Any] = FunctionStringVar.create(
    "(e) => { const el = window.__archiveRightsOpener;"
    " if (el && el.isConnected && !el.disabled) { e.preventDefault(); el.focus(); } }"
)


def rights_request_dialog() -> rx.Component:
    """Include once per page that shows request buttons."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.request_scope == "spark_code", SPARK_LABEL, LABEL)),
            rx.dialog.description(
                rx.cond(
                    S.request_scope == "spark_code",
                    "Ask @" + S.request_creator + " for the Spark Ads code of this video.",
                    "Ask @" + S.request_creator + " for permission to use their content.",
                ),
                size="2",
            ),
            rx.cond(
                S.request_senders.length() == 0,
                rx.callout(
                    "No TikTok Account v.1 is active in this workspace, so Archive cannot send "
                    "this as a message: it will be saved In Queue in Manage Rights, where you can "
                    "copy it and send it yourself.",
                    icon="info",
                    size="1",
                    margin_top="8px",
                ),
            ),
            rx.flex(
                _editor(),
                _preview(),
                direction=rx.breakpoints(initial="column", md="row"),
                spacing="5",
                width="100%",
                padding_top="12px",
            ),
            rx.text(DISCLAIMER, size="1", color_scheme="gray", padding_top="12px"),
            rx.flex(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button(
                    "Submit a Request",
                    on_click=S.submit_request,
                    loading=S.request_sending,
                ),
                spacing="3",
                justify="end",
                wrap="wrap",
                padding_top="12px",
            ),
            max_width="880px",
            width="calc(100vw - 24px)",
            on_open_auto_focus=REMEMBER_OPENER,
            on_close_auto_focus=RETURN_FOCUS,
        ),
        open=S.request_open,
        on_open_change=S.set_request_open,
    )
