"""Forgot password: ``POST /auth/forgot`` and ``POST /auth/reset/<token>`` (issue 18).

Registered by ``api/auth.py``'s ``auth_routes``, with its helpers: the same login-CSRF check,
the same session cookie and the same one-time error messages (``web/flash.py``) as log-in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from archive_app import paths
from archive_app.deps import Deps
from archive_app.services import auth as auth_service
from archive_app.services import password_reset as reset_service
from archive_app.services.errors import ServiceError

log = logging.getLogger("archive_app.api.auth")


class Back(Protocol):
    """``auth_routes``' way back to a form: a redirect carrying a one-time error message."""

    def __call__(self, path: str, error: str, **keep: str) -> Response: ...


def password_reset_routes(
    deps: Deps,
    *,
    origin_ok: Callable[[Request], bool],
    refused: Callable[[], Response],
    signed_in: Callable[[str, str], Response],
    back: Back,
) -> list[Route]:
    settings, clock, in_db = deps.settings, deps.clock, deps.auth_db

    async def forgot(request: Request) -> Response:
        """The "Forgot password?" form: one answer whether or not an account uses the address.

        The lookup and the mail run after the answer has gone (a background task), so neither
        the answer nor its timing says whether the address has an account."""
        if not origin_ok(request):
            return refused()
        form = await request.form()
        email = str(form.get("email", ""))
        try:
            auth_service.normalize_email(email)
        except ServiceError as exc:  # not an address at all: says nothing about accounts
            return back(paths.FORGOT, exc.message, email=email.strip())
        now = clock.now()

        async def send_link() -> None:
            try:
                await in_db(
                    lambda s: reset_service.request_reset(
                        s, email=email, base_url=settings.public_url, now=now
                    )
                )
            except Exception:
                log.exception("password reset request failed")

        return RedirectResponse(
            f"{paths.FORGOT}?sent=1", status_code=303, background=BackgroundTask(send_link)
        )

    async def reset_password(request: Request) -> Response:
        """The emailed link's form: a new password, every session ended, this browser in."""
        if not origin_ok(request):
            return refused()
        token = request.path_params["token"]
        form = await request.form()
        password = str(form.get("password", ""))
        if password != str(form.get("password_again", password)):
            return back(
                f"{paths.RESET}/{token}",
                "The two passwords differ: type the same new password in both fields.",
            )
        now = clock.now()
        try:
            result = await in_db(
                lambda s: reset_service.reset_password(s, token=token, password=password, now=now)
            )
        except ServiceError as exc:
            return back(f"{paths.RESET}/{token}", exc.message)
        # Open tabs of the ended sessions went to the login page with the commit
        # (MembersChanged), as after a change of password on the profile.
        log.info("password reset: user %s", result.signed_in.user_id)
        return signed_in(result.signed_in.session_token, f"{paths.FORGOT}?done=1")

    return [
        Route("/auth/forgot", forgot, methods=["POST"]),
        Route("/auth/reset/{token}", reset_password, methods=["POST"]),
    ]
