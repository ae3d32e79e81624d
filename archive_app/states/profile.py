"""Settings → Profile: the address notifications go to, the password, and other sessions."""

from __future__ import annotations

from typing import Any

import reflex as rx

from archive_app import paths
from archive_app.deps import current, run_db
from archive_app.services import auth, email_change
from archive_app.services import profile as service
from archive_app.services.errors import NotAllowed, ServiceError
from archive_app.states.base import AppState
from archive_app.web import rate_limits
from archive_app.web.client_ip import client_ip
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
    async def load(self) -> None:
        """After an emailed link (``GET /auth/email/confirm/<token>``): say what it did. Only
        our own sentences, chosen by a code in the URL, never text from it."""
        code = self.router.url.query_parameters.get("email_change", "")
        self.email_error = self.email_saved = ""
        try:
            outcome = email_change.Outcome(code)
        except ValueError:
            return
        if outcome == email_change.Outcome.changed:
            self.email_saved = email_change.OUTCOME_MESSAGES[outcome]
        else:
            self.email_error = email_change.OUTCOME_MESSAGES[outcome]

    def _client_ip(self) -> str:
        """This tab's address (web/client_ip.py): the socket's peer, or the client a trusted
        proxy names in X-Forwarded-For."""
        headers = self.router.headers.raw_headers
        return client_ip(
            headers.get("asgi-scope-client") or self.router.session.client_ip,
            headers.get("x-forwarded-for"),
            current().settings.trusted_proxies,
        )

    @rx.event
    async def save_email(self) -> Any:
        """Send a confirmation link to the new address; nothing changes until it is opened.
        The answer is the same whether or not another account uses that address."""
        self.email_error = self.email_saved = ""
        try:
            viewer = await self._viewer()
            new_email, password = self.new_email, self.email_password
            ip, now = self._client_ip(), current().clock.now()
            # Each try may queue a mail and costs an argon2 check: capped per client address.
            wait = rate_limits.installed().retry_after(rate_limits.EMAIL_CHANGE, ip)
            if wait is not None:
                self.email_error = rate_limits.too_many_message(wait)
                return None
            base_url = current().settings.public_url
            sent_to = await current().auth_db(
                lambda s: service.keeping_password_failures(
                    s,
                    lambda s: email_change.request_email_change(
                        s,
                        user_id=viewer.user_id,
                        new_email=new_email,
                        password=password,
                        ip=ip,
                        base_url=base_url,
                        now=now,
                    ),
                )
            )
        except ServiceError as exc:
            self.email_error = exc.message
            return None
        self.new_email = self.email_password = ""
        self.email_saved = email_change.sent_message(sent_to)
        return None

    @rx.event
    async def save_password(self) -> Any:
        self.password_error = self.password_saved = ""
        try:
            viewer = await self._viewer()
            current_password, new = self.current_password, self.new_password
            ip, now = self._client_ip(), current().clock.now()
            # The session that changes the password stays; every other one ends.
            token = read_session_cookie(self.router.headers.cookie)
            ended = await current().auth_db(
                lambda s: service.keeping_password_failures(
                    s,
                    lambda s: service.change_password(
                        s,
                        user_id=viewer.user_id,
                        current_password=current_password,
                        new_password=new,
                        keep_token=token,
                        ip=ip,
                        now=now,
                    ),
                )
            )
        except ServiceError as exc:
            self.password_error = exc.message
            return None
        self.current_password = self.new_password = ""
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
            ended = await run_db(lambda s: auth.log_out_other_sessions(s, token=token, now=now))
        except NotAllowed:
            return rx.redirect(paths.LOGIN)
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
