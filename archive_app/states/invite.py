"""The invitation page: who invited you where (never whether the address has an account)."""

from __future__ import annotations

import reflex as rx

from archive_app.deps import current
from archive_app.services import invite as service
from archive_app.services.errors import ServiceError
from archive_app.states.base import run_db
from archive_app.states.flash import take_flash


class InviteState(rx.State):
    invite_token: str = ""
    workspace_name: str = ""
    invite_email: str = ""
    invalid: str = ""
    error: str = ""
    _seen_flash: str = ""

    @rx.event
    async def load(self) -> None:
        self.invite_token = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        flash = take_flash(self)
        self.error = flash.error if flash else ""
        token, now = self.invite_token, current().clock.now()
        try:
            details = await run_db(lambda s: service.describe_invite(s, token=token, now=now))
        except ServiceError as exc:
            self.invalid = exc.message
            return
        self.invalid = ""
        self.workspace_name = details.workspace_name
        self.invite_email = details.email
