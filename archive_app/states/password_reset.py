"""The "Forgot password?" page and the page of the emailed reset link.

Both are signed-out pages: the forms post to ``/auth/forgot`` and ``/auth/reset/<token>``
(Starlette routes, full page loads), and errors come back as a signed flash (``web/flash.py``),
never as text from the URL.
"""

from __future__ import annotations

import reflex as rx

from archive_app.deps import current, run_db
from archive_app.services import password_reset as service
from archive_app.services.errors import ServiceError
from archive_app.states.flash import take_flash


class ForgotState(rx.State):
    """/forgot: the form, the one answer after it (``?sent=1``), and the end of a reset
    (``?done=1``)."""

    sent: bool = False
    done: bool = False
    error: str = ""
    email: str = ""
    demo_mode: bool = False
    _seen_flash: str = ""

    @rx.event
    def load(self) -> None:
        query = self.router.url.query_parameters
        flash = take_flash(self)
        self.error = flash.error if flash else ""
        self.email = flash.fields.get("email", "") if flash else ""
        self.sent = "sent" in query and not self.error
        self.done = "done" in query and not self.sent
        self.demo_mode = bool(current().settings.seed_demo)


class ResetState(rx.State):
    """/reset/<token>: whose password the link sets, or why it no longer works."""

    reset_token: str = ""
    account_email: str = ""
    invalid: str = ""
    error: str = ""
    _seen_flash: str = ""

    @rx.event
    async def load(self) -> None:
        self.reset_token = self.router.url.path.rstrip("/").rsplit("/", 1)[-1][:100]
        flash = take_flash(self)
        self.error = flash.error if flash else ""
        token, now = self.reset_token, current().clock.now()
        try:
            link = await run_db(lambda s: service.describe_reset(s, token=token, now=now))
        except ServiceError as exc:
            self.invalid = exc.message
            self.account_email = ""
            return
        self.invalid = ""
        self.account_email = link.email
