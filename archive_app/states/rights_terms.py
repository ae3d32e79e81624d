"""Manage Rights' custom terms: `+ Add custom terms`, and editing or removing them.

The terms shown here are set by ``RightsState`` on every load and ``rights_changed`` (another tab
may have saved a new version). Saving and removing re-check the viewer in the service.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from archive_app import deps
from archive_app.services.errors import InvalidInput, ServiceError
from archive_app.services.rights import terms as service
from archive_app.states.args import text_arg
from archive_app.states.base import AppState

TYPED_LIMIT = 20_000  # far above the services' limits: longer is not something our page sends


class RightsTermsState(AppState):
    terms_version: int = 0  # 0: the workspace has no terms
    terms_url: str = ""
    terms_text: str = ""
    terms_open: bool = False
    terms_form_url: str = ""
    terms_form_text: str = ""
    terms_error: str = ""
    terms_saving: bool = False

    def _show_terms(self, terms: service.Terms | None) -> None:
        self.terms_version = terms.version if terms else 0
        self.terms_url = terms.url if terms else ""
        self.terms_text = terms.text if terms else ""

    @rx.event
    def open_terms(self) -> None:
        """`+ Add custom terms` / `Edit terms`: the window, filled with the current version."""
        self.terms_form_url, self.terms_form_text = self.terms_url, self.terms_text
        self.terms_error = ""
        self.terms_open = True

    @rx.event
    def set_terms_open(self, value: bool) -> None:
        if value is not True:
            self.terms_open = False

    @rx.event
    def set_terms_form_url(self, value: str) -> None:
        self.terms_form_url = text_arg(value, limit=TYPED_LIMIT)
        self.terms_error = ""

    @rx.event
    def set_terms_form_text(self, value: str) -> None:
        self.terms_form_text = text_arg(value, limit=TYPED_LIMIT)
        self.terms_error = ""

    @rx.event
    async def save_terms(self) -> Any:
        """`Save terms`: a new version; requests already sent keep the one they had."""
        url, text = self.terms_form_url, self.terms_form_text
        viewer = await self._viewer()  # no session: on_handler_error sends it to log in
        now = deps.current().clock.now()
        try:
            async with self._acting():  # RightsChanged: every open Manage Rights tab re-reads
                saved = await deps.run_db(
                    lambda s: service.save_terms(
                        s,
                        workspace_id=viewer.workspace_id,
                        user_id=viewer.user_id,
                        url=url,
                        text=text,
                        now=now,
                    )
                )
        except InvalidInput as exc:
            self.terms_error = exc.message
            return None
        except ServiceError as exc:
            return rx.toast.error(exc.message, id="rights-terms")
        self._show_terms(saved)
        self.terms_open = False
        return rx.toast.success(
            f"Custom terms saved (version {saved.version}). New requests are sent with them.",
            id="rights-terms",
        )

    @rx.event
    async def remove_terms(self) -> Any:
        """`Remove terms`: new requests go without terms (sent ones keep theirs)."""
        viewer = await self._viewer()  # no session: on_handler_error sends it to log in
        now = deps.current().clock.now()
        try:
            async with self._acting():
                await deps.run_db(
                    lambda s: service.remove_terms(
                        s, workspace_id=viewer.workspace_id, user_id=viewer.user_id, now=now
                    )
                )
        except ServiceError as exc:
            return rx.toast.error(exc.message, id="rights-terms")
        self._show_terms(None)
        self.terms_open = False
        return rx.toast.success(
            "Custom terms removed. New requests are sent without terms.", id="rights-terms"
        )
