"""Manage Rights' filter bar: the creator search, `Add Filter` (Status, Scope, Request Date,
Response Date), one control per added filter with its remove button, and Export CSV.

Every change goes to the URL (``RightsState.set_filter`` redirects), so reload and a shared
link keep the filters.
"""

from __future__ import annotations

import reflex as rx

from archive_app.components.feed_parts import FIELD_STYLE
from archive_app.states.rights import RightsState
from archive_app.states.rights_views import FILTERS

S = RightsState
LABEL_STYLE = {"fontSize": "13px", "fontWeight": 500}


def _labelled(label: str, control_id: str, control: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id, style=LABEL_STYLE), control, spacing="1"
    )


def _remove(name: str) -> rx.Component:
    return rx.icon_button(
        rx.icon("x", size=14),
        on_click=S.remove_filter(name),
        variant="ghost",
        color_scheme="gray",
        size="1",
        aria_label=f"Remove the {FILTERS[name]} filter",
    )


def _select(
    param: str, label: str, value: rx.Var[str], options: list[tuple[str, str]]
) -> rx.Component:
    return _labelled(
        label,
        f"filter-{param}",
        rx.el.select(
            *[rx.el.option(text, value=code) for code, text in options],
            id=f"filter-{param}",
            value=value,
            on_change=lambda v: S.set_filter(param, v),
            style=FIELD_STYLE,
        ),
    )


def _date(param: str, label: str, value: rx.Var[str]) -> rx.Component:
    return _labelled(
        label,
        f"filter-{param}",
        rx.el.input(
            id=f"filter-{param}",
            type="date",
            value=value,
            on_change=lambda v: S.set_filter(param, v),
            style=FIELD_STYLE,
        ),
    )


def _group(name: str, *controls: rx.Component) -> rx.Component:
    return rx.cond(
        S.filters_shown.contains(name),
        rx.flex(
            *controls,
            _remove(name),
            spacing="2",
            align="end",
            wrap="wrap",
            role="group",
            aria_label=FILTERS[name] + " filter",
            data_testid=f"filter-{name}",
        ),
    )


def _add_filter() -> rx.Component:
    return rx.cond(
        S.filters_addable.length() > 0,
        rx.menu.root(
            rx.menu.trigger(
                rx.button(rx.icon("list-filter", size=16), "Add Filter", variant="soft")
            ),
            rx.menu.content(
                *[
                    rx.cond(
                        S.filters_addable.contains(name),
                        rx.menu.item(label, on_select=S.add_filter(name)),
                    )
                    for name, label in FILTERS.items()
                ]
            ),
        ),
    )


def _search() -> rx.Component:
    return rx.form(
        rx.flex(
            _labelled(
                "Search creators",
                "rights-search",
                rx.el.input(
                    type="search",
                    id="rights-search",
                    name="q",
                    default_value=S.filter_q,
                    max_length=64,
                    placeholder="@handle",
                    style=FIELD_STYLE,
                ),
            ),
            rx.button("Search", type="submit", variant="soft"),
            spacing="2",
            align="end",
        ),
        on_submit=S.search_creator,
        reset_on_submit=False,
        key=S.filter_q,
        role="search",
        aria_label="Search requests by creator",
    )


def filter_bar() -> rx.Component:
    return rx.vstack(
        rx.flex(
            _search(),
            _add_filter(),
            rx.cond(
                S.filtered,
                rx.button(
                    "Clear filters", on_click=S.clear_filters, variant="soft", color_scheme="gray"
                ),
            ),
            rx.spacer(),
            rx.button(rx.icon("download", size=16), "Export CSV", on_click=S.export_csv),
            spacing="3",
            wrap="wrap",
            align="end",
            width="100%",
        ),
        rx.flex(
            _group(
                "status",
                _select(
                    "status",
                    "Status",
                    S.filter_status,
                    [
                        ("", "All statuses"),
                        ("in_queue", "In Queue"),
                        ("requested", "Requested"),
                        ("approved", "Approved"),
                        ("declined", "Declined"),
                    ],
                ),
            ),
            _group(
                "scope",
                _select(
                    "scope",
                    "Scope",
                    S.filter_scope,
                    [("", "Both"), ("usage_rights", "Usage Rights"), ("spark_code", "Spark Code")],
                ),
            ),
            _group(
                "requested",
                _date("requested_from", "Requested from", S.filter_requested_from),
                _date("requested_to", "Requested until", S.filter_requested_to),
            ),
            _group(
                "responded",
                _date("responded_from", "Responded from", S.filter_responded_from),
                _date("responded_to", "Responded until", S.filter_responded_to),
            ),
            spacing="4",
            wrap="wrap",
            align="end",
            width="100%",
        ),
        rx.foreach(
            S.filter_notes,
            lambda note: rx.callout(note, icon="info", size="1", data_testid="filter-note"),
        ),
        spacing="3",
        width="100%",
    )
