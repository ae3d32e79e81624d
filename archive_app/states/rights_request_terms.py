"""The custom terms in the request window: the workspace's current version, which the user can
edit or remove for this one request (services/rights/terms.py saves an edit as that request's
own version when it is submitted)."""

from __future__ import annotations

import reflex as rx

from archive_app.services.rights.terms import CURRENT, Terms, TermsChoice
from archive_app.states.args import text_arg
from archive_app.states.base import AppState

TYPED_LIMIT = 20_000  # far above the services' limits: longer is not something our page sends


class RequestTermsState(AppState):
    # The workspace's current terms when the window opened (version 0: none).
    rt_version: int = 0
    rt_url: str = ""
    rt_text: str = ""
    # "current": sent with them; "none": removed for this request; "own": edited below.
    rt_mode: str = "current"
    rt_url_input: str = ""
    rt_text_input: str = ""

    def _start(self, terms: Terms | None) -> None:
        self.rt_version = terms.version if terms else 0
        self.rt_url = terms.url if terms else ""
        self.rt_text = terms.text if terms else ""
        self.rt_mode = "current" if terms else "none"
        self.rt_url_input, self.rt_text_input = self.rt_url, self.rt_text

    def _choice(self) -> TermsChoice:
        if self.rt_mode == "own":
            return TermsChoice.own(self.rt_url_input, self.rt_text_input)
        if self.rt_mode == "none":
            return TermsChoice.none()
        return CURRENT

    @rx.event
    def edit_request_terms(self) -> None:
        """`Edit terms for this request`: the fields, filled with what would be sent."""
        if self.rt_mode != "own":
            keep = self.rt_mode == "current"
            self.rt_url_input = self.rt_url if keep else ""
            self.rt_text_input = self.rt_text if keep else ""
        self.rt_mode = "own"

    @rx.event
    def remove_request_terms(self) -> None:
        """`Remove terms from this request`: sent without terms (the workspace keeps them)."""
        self.rt_mode = "none"

    @rx.event
    def use_workspace_terms(self) -> None:
        """Back to the workspace's current terms (when it has any)."""
        self.rt_mode = "current" if self.rt_version else "none"

    @rx.event
    def set_rt_url_input(self, value: str) -> None:
        self.rt_url_input = text_arg(value, limit=TYPED_LIMIT)

    @rx.event
    def set_rt_text_input(self, value: str) -> None:
        self.rt_text_input = text_arg(value, limit=TYPED_LIMIT)
