"""Settings → Profile: the address notifications go to, the password, and other sessions."""

from __future__ import annotations

from typing import Any

import reflex as rx

from archive_app import paths
from archive_app.deps import current
from archive_app.services import auth as service
from archive_app.services.errors import NotAllowed, ServiceError
from archive_app.states.base import AppState, run_db
from archive_app.web.cookies import read_session_cookie


class ProfileState(AppState):
    new_email: str = ""
    email_password: str = ""
    email_error: str = ""
    email_saved: str = ""
    current_password: str = ""
    new_password: str = ""
    password_error: str = ""
    password_saved: str = ""
    sessions_saved: str = ""

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
            viewer = await self._viewer()
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
            viewer = await self._viewer()
            current, new = self.current_password, self.new_password
            # The session that changes the password stays; every other one ends.
            token = read_session_cookie(self.router.headers.cookie)
            ended = await run_db(
                lambda s: service.change_password(
                    s,
                    user_id=viewer.user_id,
                    current_password=current,
                    new_password=new,
                    keep_token=token,
                )
            )
        except ServiceError as exc:
            self.password_error = exc.message
            return None
        self.current_password = self.new_password = ""
        if ended:
            await self._announce()  # the other sessions' open tabs go to the login page now
        self.password_saved = "Password changed." + (
            f" {_sessions(ended)} signed in elsewhere {_were(ended)} logged out." if ended else ""
        )
        return None

    @rx.event
    async def log_out_other_sessions(self) -> Any:
        """End every session of this person but this browser's (re-checked from the cookie)."""
        self.sessions_saved = ""
        try:
            await self._viewer()
            token, now = read_session_cookie(self.router.headers.cookie), current().clock.now()
            ended = await run_db(lambda s: service.log_out_other_sessions(s, token=token, now=now))
        except NotAllowed:
            return rx.redirect(paths.LOGIN)
        if ended:
            await self._announce()  # their open tabs go to the login page now
        self.sessions_saved = (
            f"Logged out {_sessions(ended)}. This browser stays signed in."
            if ended
            else "No other sessions were signed in. This browser stays signed in."
        )
        return None


def _sessions(n: int) -> str:
    return "1 other session" if n == 1 else f"{n} other sessions"


def _were(n: int) -> str:
    return "was" if n == 1 else "were"
