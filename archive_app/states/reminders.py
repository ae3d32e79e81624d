"""Editing a v.1 source's reminder addresses from its row in Settings → Sources."""

from __future__ import annotations

from typing import Any

import reflex as rx

from archive_app import deps
from archive_app.services.errors import ServiceError
from archive_app.services.sources import status as service
from archive_app.states.args import id_arg, text_arg
from archive_app.states.base import AppState
from archive_app.states.source_views import MAX_TYPED, add_reminder_chip, find_source


class ReminderEditorState(AppState):
    edit_source_id: int = 0
    edit_emails: list[str] = []
    edit_input: str = ""
    edit_error: str = ""

    @rx.event
    async def edit_reminders(self, source_id: int) -> None:
        row = await find_source(self, id_arg(source_id))
        if row is None:
            return
        self.edit_source_id = row.source_id
        self.edit_emails = list(row.reminder_emails)
        self.edit_input = self.edit_error = ""

    @rx.event
    def set_edit_input(self, value: str) -> None:
        self.edit_input = text_arg(value, limit=MAX_TYPED)
        self.edit_error = ""

    @rx.event
    def add_edit_email(self, _form: dict[str, Any] | None = None) -> None:
        self.edit_emails, self.edit_error = add_reminder_chip(self.edit_emails, self.edit_input)
        if not self.edit_error:
            self.edit_input = ""

    @rx.event
    def remove_edit_email(self, address: str) -> None:
        address = text_arg(address, limit=MAX_TYPED)
        self.edit_emails = [e for e in self.edit_emails if e != address]

    @rx.event
    def cancel_edit(self) -> None:
        self.edit_source_id = 0

    @rx.event
    async def save_reminders(self) -> Any:
        if self.edit_input.strip():
            self.add_edit_email()
            if self.edit_error:
                return None
        try:
            viewer = await self._viewer()
            source_id, emails = self.edit_source_id, list(self.edit_emails)
            async with self._acting():
                await deps.run_db(
                    lambda s: service.update_reminders(
                        s,
                        workspace_id=viewer.workspace_id,
                        user_id=viewer.user_id,
                        source_id=source_id,
                        emails=emails,
                    )
                )
        except ServiceError as exc:
            self.edit_error = exc.message
            return None
        self.edit_source_id = 0
        return rx.toast.success("Reminder addresses saved.")
