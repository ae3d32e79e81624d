"""The creator's page: ``GET/POST /r/<token>``, and `Continue with TikTok` (Login Kit's web flow).

Plain Starlette routes rendering server-side HTML (``web/portal_html.py``): no Reflex page, no
script, so it opens fast on a phone. Every response says ``noindex`` (meta and
``X-Robots-Tag``), is not cached, and sends no referrer to other sites (the token is in the
URL). A wrong token gets the same "not found" page, no sooner than ``FLOOR_SECONDS`` like every
other answer, so neither the page nor its timing says whether a link exists. Page loads and
answers are rate-limited per client address and per link (``web/rate_limits.py``).

An answer is a form post carrying the page's CSRF token, from our own origin only; the service
(``services/rights/portal.py``) records it once. With a Login Kit app for creators configured
(``ARCHIVE_CREATOR_LOGIN_KIT_CLIENT_KEY``, by default v.1's), only the request's @handle, logged
in through TikTok, can answer; without one, answers are recorded "link only".
"""

from __future__ import annotations

import asyncio
import logging
import math
import time

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from archive_app.api.originals import Guard, original_routes
from archive_app.deps import Deps
from archive_app.integrations.tiktok.creator_login import CALLBACK_PATH, CreatorLogin
from archive_app.integrations.tiktok.errors import TikTokError
from archive_app.services.errors import InvalidInput, NotFound, ServiceError
from archive_app.services.media.access import cover_for_link
from archive_app.services.media.originals import MAX_BYTES, describe_size
from archive_app.services.media.store import MissingMedia
from archive_app.services.rights import portal
from archive_app.services.rights.link import token_hash
from archive_app.settings import new_token
from archive_app.web import portal_cookies as cookies
from archive_app.web import portal_html as html
from archive_app.web.client_ip import client_ip
from archive_app.web.rate_limits import PORTAL_ANSWER, PORTAL_LINK, PORTAL_PAGE, RateLimits

log = logging.getLogger(__name__)
FLOOR_SECONDS = 0.05
NO_INDEX = {
    "x-robots-tag": "noindex, nofollow",
    "cache-control": "no-store",
    # Not "no-referrer": Chromium then sends "Origin: null" with the answer form, which the
    # origin check refuses. "same-origin" never sends the URL (and its token) to another site.
    "referrer-policy": "same-origin",
}
NOTICES = {
    "cancelled": "You cancelled the TikTok login. Continue with TikTok when you are ready.",
    "failed": "TikTok could not confirm your account. Try Continue with TikTok again.",
}


def _page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=NO_INDEX)


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=NO_INDEX)


async def _floor(started: float) -> None:
    wait = FLOOR_SECONDS - (time.monotonic() - started)
    if wait > 0:
        await asyncio.sleep(wait)


def portal_routes(
    deps: Deps,
    *,
    limits: RateLimits,
    creator_login: CreatorLogin | None,
    original_max_bytes: int = MAX_BYTES,
) -> list[Route]:
    settings, clock, key = deps.settings, deps.clock, deps.cipher.signing_key
    secure = settings.secure_cookies
    allowed_origins = {o.rstrip("/") for o in settings.cors_allowed_origins} | {settings.public_url}

    def ip_of(request: Request) -> str:
        return client_ip(
            request.client.host if request.client else None,
            request.headers.get("x-forwarded-for"),
            settings.trusted_proxies,
        )

    def over_limit(request: Request, per_address: str, token: str) -> Response | None:
        for name, who in ((per_address, ip_of(request)), (PORTAL_LINK, token_hash(token[:200]))):
            wait = limits.retry_after(name, who)
            if wait is not None:
                minutes = max(1, math.ceil(wait / 60))
                response = _page(html.too_many_page(minutes), 429)
                response.headers["retry-after"] = str(math.ceil(wait))
                return response
        return None

    def same_origin(request: Request) -> bool:
        origin = request.headers.get("origin")
        if origin is None:
            return request.headers.get("sec-fetch-site") in (None, "same-origin", "none")
        host_origin = f"{request.url.scheme}://{request.url.netloc}"
        return origin != "null" and origin.rstrip("/") in allowed_origins | {host_origin}

    def context(
        request: Request, token: str, view: portal.PortalView, **extra: object
    ) -> html.PageContext:
        link_hash = token_hash(token)
        who = cookies.read_logged_in(
            request.headers.get("cookie"), key=key, link_hash=link_hash, now=clock.now()
        )
        wrong = ""
        if who is not None:
            try:
                portal.check_identity(
                    portal.Identity("tiktok_account", who.open_id, who.username),
                    handle=view.creator_handle,
                    login_required=True,
                )
            except InvalidInput as exc:
                wrong = exc.message
        notice = NOTICES.get(request.query_params.get("login", ""), "")
        return html.PageContext(
            token=token,
            csrf=cookies.csrf_token(key, link_hash),
            login_configured=creator_login is not None,
            username=who.username if who and not wrong else "",
            wrong_account=wrong,
            notice=notice,
            original_limit=describe_size(original_max_bytes),
            **extra,  # type: ignore[arg-type]
        )

    async def show(request: Request) -> Response:
        started, token = time.monotonic(), request.path_params["token"]
        if (refused := over_limit(request, PORTAL_PAGE, token)) is not None:
            return refused
        view = await deps.db(lambda s: portal.view(s, token=token))
        await _floor(started)
        if view is None:
            return _page(html.not_found_page(), 404)
        return _page(html.request_page(view, context(request, token, view)))

    def identity_of(request: Request, token: str) -> portal.Identity:
        if creator_login is None:
            return portal.LINK_ONLY
        who = cookies.read_logged_in(
            request.headers.get("cookie"), key=key, link_hash=token_hash(token), now=clock.now()
        )
        if who is None:
            return portal.Identity("none")
        return portal.Identity("tiktok_account", who.open_id, who.username)

    async def answer(request: Request) -> Response:
        started, token = time.monotonic(), request.path_params["token"]
        if not same_origin(request):
            return _page(
                html.document(
                    "Refused · Archive",
                    "<h1>Refused</h1><p>This form was sent from another site.</p>",
                ),
                403,
            )
        if (refused := over_limit(request, PORTAL_ANSWER, token)) is not None:
            return refused
        form = await request.form()
        values = {k: str(form.get(k, ""))[:5000] for k in ("note", "spark_code", "spark_days")}
        given = portal.Answer(decision=str(form.get("decision", ""))[:16], **values)
        if not cookies.csrf_ok(key, token_hash(token[:200]), str(form.get("csrf", ""))):
            await _floor(started)
            return _page(html.not_found_page(), 404)
        now = clock.now()
        client = portal.Client(ip=ip_of(request), user_agent=request.headers.get("user-agent", ""))
        identity = identity_of(request, token)
        try:
            done = await deps.db(
                lambda s: portal.answer(
                    s,
                    token=token,
                    given=given,
                    identity=identity,
                    login_required=creator_login is not None,
                    client=client,
                    now=now,
                    cipher=deps.cipher,
                    base_url=settings.public_url,
                )
            )
        except NotFound:
            await _floor(started)
            return _page(html.not_found_page(), 404)
        except ServiceError as exc:
            view = await deps.db(lambda s: portal.view(s, token=token))
            await _floor(started)
            if view is None:
                return _page(html.not_found_page(), 404)
            ctx = context(request, token, view, error=exc.message, values=values)
            return _page(html.request_page(view, ctx), 400)
        log.info("creator answered request by link: %s (recorded: %s)", done.status, done.recorded)
        await _floor(started)
        return _redirect(f"/r/{token}")

    async def start_login(request: Request) -> Response:
        token = request.path_params["token"]
        if (refused := over_limit(request, PORTAL_PAGE, token)) is not None:
            return refused
        if creator_login is None:
            return _redirect(f"/r/{token}")
        state = new_token(24)
        response = _redirect(creator_login.authorize_url(state=state))
        cookies.set_login(
            response, key=key, state=state, token=token, now=clock.now(), secure=secure
        )
        return response

    async def callback(request: Request) -> Response:
        now = clock.now()
        started = cookies.read_login(request.headers.get("cookie"), key=key, now=now)
        if started is None or creator_login is None:
            body = (
                "<h1>This login has expired</h1><p>Open the link from the brand's message "
                "again, then Continue with TikTok.</p>"
            )
            return _page(html.document("Login expired · Archive", body), 400)
        state, token = started
        params = request.query_params
        if params.get("state", "") != state:
            return _redirect(f"/r/{token}?login=failed")
        if params.get("error") or not params.get("code"):
            return _redirect(f"/r/{token}?login=cancelled")
        try:
            account = await creator_login.identify(code=params["code"], now=now)
        except TikTokError as exc:
            log.warning("creator login failed: %s", exc)
            return _redirect(f"/r/{token}?login=failed")
        response = _redirect(f"/r/{token}")
        who = cookies.LoggedIn(token_hash(token), account.open_id, account.username)
        cookies.set_logged_in(response, key=key, who=who, now=now, secure=secure)
        return response

    async def cover(request: Request) -> Response:
        """Archive's copy of a cover of one of this link's videos (the page's only images)."""
        token, name = request.path_params["token"], request.path_params["name"]
        if (refused := over_limit(request, PORTAL_PAGE, token)) is not None:
            return refused
        found = await deps.db(lambda s: cover_for_link(s, link_hash=token_hash(token), name=name))
        if found is None:
            return Response("No such cover.", status_code=404, media_type="text/plain")
        try:
            body = await asyncio.to_thread(deps.media.read, found.key)
        except MissingMedia:
            return Response("No such cover.", status_code=404, media_type="text/plain")
        headers = {**NO_INDEX, "cache-control": "private, max-age=86400"}
        return Response(body, media_type=found.content_type, headers=headers)

    guard = Guard(_page, _redirect, same_origin, over_limit, identity_of, creator_login is not None)
    return [
        *original_routes(deps, guard, max_bytes=original_max_bytes),
        Route(CALLBACK_PATH, callback, methods=["GET"]),
        Route("/r/{token}/tiktok", start_login, methods=["GET"]),
        Route("/r/{token}/covers/{name}", cover, methods=["GET"]),
        Route("/r/{token}", show, methods=["GET"]),
        Route("/r/{token}", answer, methods=["POST"]),
    ]
