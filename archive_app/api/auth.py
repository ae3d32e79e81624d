"""Log in, sign up, accept an invitation, log out: real form posts and full page loads.

The session cookie is HttpOnly and SameSite=Lax, so page scripts never see it; States read it
from the websocket's headers (DESIGN.md section 5). It is ``Secure`` whenever the public URL is
https (production requires https unless ``ARCHIVE_ALLOW_INSECURE_HTTP`` is set). A POST whose
Origin (or, without one, ``Sec-Fetch-Site``) is not ours is refused (login CSRF). Errors go
back to the form as a signed one-time cookie (``web/flash.py``), with nothing changed.

Sign-up answers "check your email" whatever the address (``services.signup.request_sign_up``); the
emailed link (``GET /auth/signup/confirm/<token>``) creates the account, and only in the browser
that filled in the form, which keeps a random token in the ``archive_signup`` cookie.
"Forgot password?" (``POST /auth/forgot``) answers the same way whatever the address, and the
emailed link's form (``POST /auth/reset/<token>``) ends every session and signs this browser in.
In production, creating the first owner (``/auth/setup``) needs the setup code from the log.
An invitation (``POST /auth/invite/<token>``) never checks a password: an address with an
account accepts from its own session cookie, a new one chooses its password. The link mailed
to a new profile address opens a page whose button (``POST /auth/email/confirm/<token>``)
makes the change.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from archive_app import paths
from archive_app.api.password_reset import password_reset_routes
from archive_app.deps import Deps
from archive_app.services import admin as admin_service
from archive_app.services import auth as auth_service
from archive_app.services import email_change as email_change_service
from archive_app.services import invite as invite_service
from archive_app.services import signup as signup_service
from archive_app.services.errors import ServiceError
from archive_app.web.client_ip import client_ip
from archive_app.web.cookies import (
    SESSION_COOKIE,
    SIGNUP_COOKIE,
    SIGNUP_COOKIE_PATH,
    read_cookie,
    read_session_cookie,
)
from archive_app.web.device_cookie import read_device, set_device_cookie
from archive_app.web.flash import redirect_with_flash

__all__ = ["SESSION_COOKIE", "SIGNUP_COOKIE", "auth_routes"]
log = logging.getLogger(__name__)


def _safe_next(value: str | None) -> str:
    """Only same-site paths: never an open redirect."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return paths.FEED


def auth_routes(deps: Deps) -> list[Route]:
    # Every auth unit of work may hash or verify a password: argon2's own bounded pool.
    settings, clock, in_db = deps.settings, deps.clock, deps.auth_db
    secure = settings.secure_cookies
    signing_key = deps.cipher.signing_key
    allowed_origins = {o.rstrip("/") for o in settings.cors_allowed_origins} | {settings.public_url}

    def origin_ok(request: Request) -> bool:
        """Login CSRF: a state-changing POST must come from our own pages.

        Browsers send ``Origin`` on every POST; where one is missing (an old browser, a
        privacy extension), ``Sec-Fetch-Site`` decides: ``same-origin`` or ``none`` (typed or
        bookmarked) pass, ``same-site`` and ``cross-site`` do not (a sibling subdomain is not
        us). A request with neither header comes from no browser, so it carries no victim's
        cookies and passes.
        """
        origin = request.headers.get("origin")
        if origin is None:
            fetch_site = request.headers.get("sec-fetch-site")
            return fetch_site is None or fetch_site in ("same-origin", "none")
        if origin == "null":
            return False
        host_origin = f"{request.url.scheme}://{request.url.netloc}"
        return origin.rstrip("/") in allowed_origins | {host_origin}

    def signed_in(token: str, target: str) -> Response:
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=int(auth_service.SESSION_LIFETIME.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=secure,
            path="/",
        )
        return response

    def back(path: str, error: str, **keep: str) -> Response:
        return redirect_with_flash(path, error, secure=secure, key=signing_key, **keep)

    def refused() -> Response:
        return PlainTextResponse("This form was sent from another site.", status_code=403)

    async def login(request: Request) -> Response:
        if not origin_ok(request):
            return refused()
        form = await request.form()
        email, password = str(form.get("email", "")), str(form.get("password", ""))
        ip = client_ip(
            request.client.host if request.client else None,
            request.headers.get("x-forwarded-for"),
            settings.trusted_proxies,
        )
        known = read_device(request.headers.get("cookie"), key=signing_key)
        device = (
            auth_service.KnownDevice(user_id=known.user_id, device_id=known.device_id)
            if known is not None
            else None
        )
        now = clock.now()
        try:
            # Failed attempts must be committed even though we refuse: count them separately.
            result = await in_db(
                lambda s: auth_service.log_in_keeping_failures(
                    s, email=email, password=password, ip=ip, now=now, device=device
                )
            )
        except ServiceError as exc:
            log.info("login refused from %s (%s)", ip, type(exc).__name__)
            return back(paths.LOGIN, exc.message, email=email.strip())
        log.info("login: user %s from %s", result.user_id, ip)
        response = signed_in(result.session_token, _safe_next(str(form.get("next", ""))))
        # This browser now knows the account: failures from elsewhere never lock it out.
        set_device_cookie(
            response,
            user_id=result.user_id,
            key=signing_key,
            secure=secure,
            known=known if known is not None and known.user_id == result.user_id else None,
        )
        return response

    async def setup(request: Request) -> Response:
        """The owner account of a fresh instance (only while nobody has an account)."""
        if not origin_ok(request):
            return refused()
        form = await request.form()
        email, workspace = str(form.get("email", "")), str(form.get("workspace", ""))
        setup_code = str(form.get("setup_code", "")) if settings.is_production else None
        now = clock.now()
        try:
            result = await in_db(
                lambda s: admin_service.create_first_owner(
                    s,
                    email=email,
                    password=str(form.get("password", "")),
                    workspace_name=workspace,
                    now=now,
                    # Production asks for the code printed in the server log; demo/test don't.
                    setup_code=setup_code,
                )
            )
        except ServiceError as exc:
            return back(paths.LOGIN, exc.message, email=email.strip(), workspace=workspace.strip())
        # First step of a new workspace: connect its TikTok accounts.
        return signed_in(result.session_token, paths.SOURCES)

    async def signup(request: Request) -> Response:
        if not origin_ok(request):
            return refused()
        form = await request.form()
        email = str(form.get("email", ""))
        workspace = str(form.get("workspace", ""))
        now = clock.now()
        try:
            result = await in_db(
                lambda s: signup_service.request_sign_up(
                    s,
                    email=email,
                    password=str(form.get("password", "")),
                    workspace_name=workspace,
                    base_url=settings.public_url,
                    now=now,
                )
            )
        except ServiceError as exc:
            return back(paths.SIGNUP, exc.message, email=email.strip(), workspace=workspace.strip())
        # The same answer whether or not the address has an account: the mail says which.
        response = RedirectResponse(f"{paths.SIGNUP}?sent=1", status_code=303)
        response.set_cookie(
            SIGNUP_COOKIE,
            result.browser_token,
            max_age=int(signup_service.SIGNUP_LINK_LIFETIME.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=secure,
            path=SIGNUP_COOKIE_PATH,
        )
        return response

    async def confirm_signup(request: Request) -> Response:
        token = request.path_params["token"]
        browser_token = read_cookie(request.headers.get("cookie"), SIGNUP_COOKIE)
        now = clock.now()
        try:
            result = await in_db(
                lambda s: signup_service.confirm_sign_up(
                    s, token=token, browser_token=browser_token, now=now
                )
            )
        except ServiceError as exc:
            return back(paths.SIGNUP, exc.message)
        response = signed_in(result.session_token, paths.FEED)
        response.delete_cookie(
            SIGNUP_COOKIE, path=SIGNUP_COOKIE_PATH, secure=secure, httponly=True, samesite="lax"
        )
        return response

    async def accept_invite(request: Request) -> Response:
        if not origin_ok(request):
            return refused()
        token = request.path_params["token"]
        form = await request.form()
        # An address with an account accepts from its own session, never with a password.
        session_token = read_session_cookie(request.headers.get("cookie"))
        now = clock.now()
        try:
            result = await in_db(
                lambda s: invite_service.accept_invite(
                    s,
                    token=token,
                    password=str(form.get("password", "")),
                    session_token=session_token,
                    now=now,
                )
            )
        except ServiceError as exc:
            return back(f"{paths.INVITE}/{token}", exc.message)
        return signed_in(result.session_token, paths.FEED)

    async def confirm_email(request: Request) -> Response:
        """The button of the page the link mailed to a new profile address opens: the change
        happens here, or not at all (opening the link itself changes nothing)."""
        if not origin_ok(request):
            return refused()
        token = request.path_params["token"]
        now = clock.now()
        result = await in_db(
            lambda s: email_change_service.confirm_email_change(
                s, token=token, base_url=settings.public_url, now=now
            )
        )
        log.info("email change link: %s (user %s)", result.outcome.value, result.user_id)
        return RedirectResponse(
            f"{paths.PROFILE}?email_change={result.outcome.value}", status_code=303
        )

    async def logout(request: Request) -> Response:
        if not origin_ok(request):
            return refused()
        token = read_session_cookie(request.headers.get("cookie"))
        if token:
            await in_db(lambda s: auth_service.log_out(s, token=token))
        response = RedirectResponse(paths.LOGIN, status_code=303)
        response.delete_cookie(
            SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax"
        )
        return response

    return [
        Route("/auth/login", login, methods=["POST"]),
        Route("/auth/setup", setup, methods=["POST"]),
        Route("/auth/signup", signup, methods=["POST"]),
        Route("/auth/signup/confirm/{token}", confirm_signup, methods=["GET"]),
        Route("/auth/invite/{token}", accept_invite, methods=["POST"]),
        Route("/auth/email/confirm/{token}", confirm_email, methods=["POST"]),
        *password_reset_routes(
            deps, origin_ok=origin_ok, refused=refused, signed_in=signed_in, back=back
        ),
        Route("/auth/logout", logout, methods=["POST"]),
    ]
