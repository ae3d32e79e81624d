"""The invitation page: who invited you where, and how this browser can accept.

An address that already has an Archive account is never asked for a password here: the page
says to log in as that address (the normal, throttled log-in), and then offers the button.
"""

from __future__ import annotations

import reflex as rx

from archive_app.deps import current, run_db
from archive_app.services import invite as service
from archive_app.services.errors import ServiceError
from archive_app.states.flash import take_flash
from archive_app.web.cookies import read_session_cookie


class InviteState(rx.State):
    invite_token: str = ""
    workspace_name: str = ""
    invite_email: str = ""
    # The address has an account: log in as it, then accept (no password on this page).
    has_account: bool = False
    # The address this browser is signed in as ("" when signed out).
    signed_in_as: str = ""
    can_accept: bool = False
    invalid: str = ""
    error: str = ""
    _seen_flash: str = ""

    @rx.event
    async def load(self) -> None:
        self.invite_token = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        flash = take_flash(self)
        self.error = flash.error if flash else ""
        token, now = self.invite_token, current().clock.now()
        session_token = read_session_cookie(self.router.headers.cookie)
        try:
            details = await run_db(
                lambda s: service.describe_invite(
                    s, token=token, session_token=session_token, now=now
                )
            )
        except ServiceError as exc:
            self.invalid = exc.message
            return
        self.invalid = ""
        self.workspace_name = details.workspace_name
        self.invite_email = details.email
        self.has_account = details.has_account
        self.signed_in_as = details.signed_in_as
        self.can_accept = details.can_accept_signed_in
