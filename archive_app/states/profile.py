"""Settings → Profile: the address notifications go to, and the password."""

from __future__ import annotations

from typing import Any

import reflex as rx

from archive_app.services import auth as service
from archive_app.services.errors import ServiceError
from archive_app.states.base import AppState, run_db


class ProfileState(AppState):
    new_email: str = ""
    email_password: str = ""
    email_error: str = ""
    email_saved: str = ""
    current_password: str = ""
    new_password: str = ""
    password_error: str = ""
    password_saved: str = ""

    @rx.event
    def set_new_email(self, value: str) -> None:
        self.new_email = value

    @rx.event
    def set_email_password(self, value: str) -> None:
        self.email_password = value

    @rx.event
    def set_current_password(self, value: str) -> None:
        self.current_password = value

    @rx.event
    def set_new_password(self, value: str) -> None:
        self.new_password = value

    @rx.event
    async def save_email(self) -> Any:
        self.email_error = self.email_saved = ""
        try:
            viewer = await self.viewer()
            new_email, password = self.new_email, self.email_password
            saved = await run_db(
                lambda s: service.change_email(
                    s, user_id=viewer.user_id, new_email=new_email, password=password
                )
            )
        except ServiceError as exc:
            self.email_error = exc.message
            return None
        self.email = saved
        self.new_email = self.email_password = ""
        self.email_saved = f"Saved. Notifications now go to {saved}."
        return None

    @rx.event
    async def save_password(self) -> Any:
        self.password_error = self.password_saved = ""
        try:
            viewer = await self.viewer()
            current, new = self.current_password, self.new_password
            await run_db(
                lambda s: service.change_password(
                    s, user_id=viewer.user_id, current_password=current, new_password=new
                )
            )
        except ServiceError as exc:
            self.password_error = exc.message
            return None
        self.current_password = self.new_password = ""
        self.password_saved = "Password changed."
        return None
