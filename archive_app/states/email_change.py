"""The page of the link mailed to a new profile address: what it would change, and a button.

Opening the link changes nothing (mail scanners fetch links); the button posts to
``/auth/email/confirm/<token>`` (a Starlette route, full page load), which makes the change.
"""

from __future__ import annotations

import reflex as rx

from archive_app.deps import current, run_db
from archive_app.services import email_change as service


class EmailConfirmState(rx.State):
    confirm_token: str = ""
    new_email: str = ""
    # Why the link can no longer change the address (one of the service's fixed sentences).
    invalid: str = ""

    @rx.event
    async def load(self) -> None:
        self.confirm_token = self.router.url.path.rstrip("/").rsplit("/", 1)[-1][:100]
        token, now = self.confirm_token, current().clock.now()
        found = await run_db(lambda s: service.pending_email_change(s, token=token, now=now))
        if isinstance(found, service.Outcome):
            self.new_email, self.invalid = "", service.OUTCOME_MESSAGES[found]
        else:
            self.new_email, self.invalid = found, ""
