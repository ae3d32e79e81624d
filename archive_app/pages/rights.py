"""Manage Rights: usage-rights requests and their status."""

from __future__ import annotations

import reflex as rx

from archive_app import paths
from archive_app.components.shell import empty_state, shell


def rights() -> rx.Component:
    return shell(
        empty_state(
            "badge-check",
            "No usage-rights requests yet",
            "Find a video in the Feed and click “Looking for usage rights?” to ask its creator. "
            "Your requests and their status will be listed here.",
            rx.link(rx.button("Open the Feed"), href=paths.FEED),
        ),
        title="Manage Rights",
    )
