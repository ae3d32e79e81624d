"""Custom terms: the panel on Manage Rights (`+ Add custom terms`, or the current version with
`Edit terms`) and its window; and the terms section of the request window."""

from __future__ import annotations

import reflex as rx

from archive_app.components.forms import error_callout
from archive_app.services.rights.terms import TEXT_LIMIT
from archive_app.states.rights_request_terms import RequestTermsState
from archive_app.states.rights_terms import RightsTermsState

T = RightsTermsState
R = RequestTermsState
LABEL = {"fontSize": "14px", "fontWeight": 500}


def _small(label: str, on_click: rx.EventHandler, *, gray: bool = False) -> rx.Component:
    """One of the request window's small terms buttons (never submits the window's form)."""
    return rx.button(
        label,
        on_click=on_click,
        variant="soft",
        color_scheme="gray" if gray else None,
        size="1",
        type="button",
    )


def terms_panel() -> rx.Component:
    """Manage Rights: what every new request is sent with."""
    return rx.flex(
        rx.cond(
            T.terms_version > 0,
            rx.flex(
                rx.text("Custom terms (version " + T.terms_version.to_string() + "): ", size="2"),
                rx.link(
                    T.terms_url,
                    href=T.terms_url,
                    is_external=True,
                    size="2",
                    overflow_wrap="anywhere",
                ),
                rx.button("Edit terms", on_click=T.open_terms, variant="soft", size="1"),
                spacing="2",
                align="center",
                wrap="wrap",
                data_testid="terms-current",
            ),
            rx.button("+ Add custom terms", on_click=T.open_terms, variant="outline"),
        ),
        _terms_dialog(),
        width="100%",
    )


def _terms_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(T.terms_version > 0, "Edit custom terms", "Add custom terms")),
            rx.dialog.description(
                "Creators see these terms with every new request. Each save is a new version; "
                "requests already sent keep the version they were sent with.",
                size="2",
            ),
            rx.vstack(
                rx.el.label("Terms web address", html_for="terms-url", style=LABEL),
                rx.input(
                    id="terms-url",
                    type="url",
                    placeholder="https://brand.com/creator-terms",
                    value=T.terms_form_url,
                    on_change=T.set_terms_form_url,
                    width="100%",
                ),
                rx.el.label("Terms text (optional)", html_for="terms-text", style=LABEL),
                rx.text_area(
                    id="terms-text",
                    value=T.terms_form_text,
                    on_change=T.set_terms_form_text,
                    rows="6",
                    width="100%",
                    aria_describedby="terms-text-help",
                ),
                rx.text(
                    f"Up to {TEXT_LIMIT:,} characters. Creators see it under the link.",
                    id="terms-text-help",
                    size="1",
                    color_scheme="gray",
                ),
                error_callout(T.terms_error),
                spacing="2",
                width="100%",
                padding_top="8px",
            ),
            rx.flex(
                rx.cond(
                    T.terms_version > 0,
                    rx.button(
                        "Remove terms",
                        on_click=T.remove_terms,
                        color_scheme="red",
                        variant="soft",
                    ),
                ),
                rx.spacer(),
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button("Save terms", on_click=T.save_terms),
                spacing="3",
                wrap="wrap",
                padding_top="12px",
            ),
            max_width="560px",
            width="calc(100vw - 24px)",
        ),
        open=T.terms_open,
        on_open_change=T.set_terms_open,
    )


def request_terms() -> rx.Component:
    """The request window: the terms this request goes with, editable for it alone."""
    current = rx.vstack(
        rx.link(R.rt_url, href=R.rt_url, is_external=True, size="2", overflow_wrap="anywhere"),
        rx.flex(
            _small("Edit for this request", R.edit_request_terms),
            _small("Remove from this request", R.remove_request_terms, gray=True),
            spacing="2",
            wrap="wrap",
        ),
        spacing="1",
        width="100%",
    )
    own = rx.vstack(
        rx.el.label("Terms web address", html_for="request-terms-url", style=LABEL),
        rx.input(
            id="request-terms-url",
            type="url",
            value=R.rt_url_input,
            on_change=R.set_rt_url_input,
            width="100%",
        ),
        rx.el.label("Terms text (optional)", html_for="request-terms-text", style=LABEL),
        rx.text_area(
            id="request-terms-text",
            value=R.rt_text_input,
            on_change=R.set_rt_text_input,
            rows="3",
            width="100%",
        ),
        rx.flex(
            rx.cond(
                R.rt_version > 0,
                _small("Use the workspace's terms", R.use_workspace_terms),
            ),
            _small("Send without terms", R.remove_request_terms, gray=True),
            spacing="2",
            wrap="wrap",
        ),
        spacing="1",
        width="100%",
    )
    none = rx.flex(
        rx.text("Sent without custom terms.", size="2", color_scheme="gray"),
        _small("Add terms for this request", R.edit_request_terms),
        rx.cond(
            R.rt_version > 0,
            _small("Use the workspace's terms", R.use_workspace_terms),
        ),
        spacing="2",
        align="center",
        wrap="wrap",
    )
    return rx.vstack(
        rx.text(
            rx.cond(
                R.rt_mode == "current",
                "Custom terms (version " + R.rt_version.to_string() + ")",
                "Custom terms",
            ),
            style=LABEL,
        ),
        rx.match(R.rt_mode, ("current", current), ("own", own), none),
        spacing="1",
        width="100%",
        role="group",
        aria_label="Custom terms of this request",
        data_testid="request-terms",
    )
