"""Login Kit (``/open/v2/...``): QR login, token, refresh, revoke, user info, and our DM endpoint.

TikTok has no cold-DM API; ``POST /open/v2/dm/send/`` is the simulator's stand-in, in Login
Kit's shape (Bearer token, ``{"data", "error"}``), applying the DM-setting rule of TIKTOK.md.
Nor has it a mentions API for Login Kit accounts: ``GET /open/v2/notifications/mentions/`` stands
in for a relay reading the account's "Mentions and tag notifications" inbox, with lower coverage
than API for Business (no tag-only videos, 30 days, the newest 100).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from archive_app.simulator import grants
from archive_app.simulator.business import video_json
from archive_app.simulator.state import Grant, SimState, TokenProblem
from archive_app.simulator.wire import (
    api_error,
    api_ok,
    bearer,
    form_or_json,
    guarded,
    oauth_error,
    sim_base,
)


def token_body(state: SimState, grant: Grant) -> dict[str, object]:
    now = state.now()
    return {
        "access_token": grant.access_token,
        "expires_in": round((grant.access_expires_at - now).total_seconds()),
        "refresh_token": grant.refresh_token,
        "refresh_expires_in": round((grant.refresh_expires_at - now).total_seconds()),
        "open_id": grant.open_id,
        "scope": grant.scope,
        "token_type": "Bearer",
    }


PREFIX = "/open"


def login_kit_routes(state: SimState, *, timeout_seconds: float) -> list[Route]:
    """Routes relative to ``PREFIX`` (where the simulator mounts them)."""
    guard = guarded(state, "login_kit", timeout_seconds)

    def client(form: dict[str, str], *, with_secret: bool = True) -> JSONResponse | None:
        secret = form.get("client_secret", "") if with_secret else None
        if state.app(form.get("client_key", ""), secret) is None:
            return oauth_error("invalid_client", "Unknown client_key or wrong client_secret", 401)
        return None

    @guard
    async def get_qrcode(request: Request) -> Response:
        form = await form_or_json(request)
        if (refused := client(form, with_secret=False)) is not None:
            return refused
        qr = grants.new_qr(
            state,
            client_key=form["client_key"],
            scope=form.get("scope", ""),
            oauth_state=form.get("state", ""),
        )
        # The phone page lives at the simulator's root, not under PREFIX.
        root = sim_base(request).removesuffix(PREFIX)
        url = f"{root}/phone/qr/{qr.token}?client_ticket=tobefilled"
        return JSONResponse({"scan_qrcode_url": url, "token": qr.token})

    @guard
    async def check_qrcode(request: Request) -> Response:
        form = await form_or_json(request)
        if (refused := client(form)) is not None:
            return refused
        with state.lock:
            qr = state.qr_logins.get(form.get("token", ""))
            if qr is None or qr.client_key != form["client_key"]:
                return oauth_error("invalid_request", "Unknown QR token")
            body: dict[str, str] = {"status": state.refresh_qr_status(qr)}
            if qr.status == "confirmed" and qr.code:
                redirect = state.apps[qr.client_key].redirect_uri
                query = urlencode({"code": qr.code, "state": qr.state})
                body |= {
                    "client_ticket": qr.client_ticket or "",
                    "redirect_uri": f"{redirect}?{query}",
                }
        return JSONResponse(body)

    @guard
    async def token(request: Request) -> Response:
        form = await form_or_json(request)
        if (refused := client(form)) is not None:
            return refused
        key, grant_type = form["client_key"], form.get("grant_type", "")
        if grant_type == "authorization_code":
            grant = grants.redeem_code(
                state,
                client_key=key,
                code=form.get("code", ""),
                redirect_uri=form.get("redirect_uri"),
            )
            if grant is None:
                return oauth_error("invalid_grant", "Authorization code is invalid or expired")
            return JSONResponse(token_body(state, grant))
        if grant_type == "refresh_token":
            result = grants.refresh(
                state, client_key=key, refresh_token=form.get("refresh_token", "")
            )
            if isinstance(result, TokenProblem):
                return oauth_error("invalid_grant", f"Refresh token is {result.value}")
            return JSONResponse(token_body(state, result))
        return oauth_error("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")

    @guard
    async def revoke(request: Request) -> Response:
        form = await form_or_json(request)
        if (refused := client(form)) is not None:
            return refused
        grants.revoke_token(
            state, client_key=form["client_key"], access_token=form.get("token", "")
        )
        return JSONResponse({})

    def authorised(request: Request) -> Grant | Response:
        found = grants.grant_for_access(state, bearer(request))
        if isinstance(found, TokenProblem):
            return api_error("access_token_invalid", f"The access token is {found.value}", 401)
        return found

    @guard
    async def user_info(request: Request) -> Response:
        grant = authorised(request)
        if not isinstance(grant, Grant):
            return grant
        account = state.account(grant.username)
        media = f"{sim_base(request).removesuffix(PREFIX)}/media"
        user = {
            "open_id": grant.open_id,
            "username": account.username,
            "display_name": account.display_name,
            "avatar_url": f"{media}/avatars/{account.username}.png",
        }
        wanted = [f for f in request.query_params.get("fields", "").split(",") if f]
        return api_ok({"user": {k: v for k, v in user.items() if not wanted or k in wanted}})

    @guard
    async def dm_send(request: Request) -> Response:
        grant = authorised(request)
        if not isinstance(grant, Grant):
            return grant
        if state.apps[grant.client_key].kind != "tiktok_v1":
            return api_error("scope_not_authorized", "This app cannot send direct messages", 403)
        try:
            payload = json.loads(await request.body() or b"{}")
        except ValueError:
            return api_error("invalid_params", "Body must be JSON", 400)
        handle, text = str(payload.get("creator_handle", "")), str(payload.get("text", ""))
        if not handle or not text:
            return api_error("invalid_params", "creator_handle and text are required", 400)
        key = str(payload.get("idempotency_key") or "")[:128]
        status, detail = grants.send_dm(state, grant, handle=handle, text=text, idempotency_key=key)
        if status == "sent":
            return api_ok({"status": "sent", "message_id": detail})
        return api_ok({"status": "refused", "reason": detail})

    @guard
    async def mention_inbox(request: Request) -> Response:
        grant = authorised(request)
        if not isinstance(grant, Grant):
            return grant
        if state.apps[grant.client_key].kind != "tiktok_v1":
            return api_error("scope_not_authorized", "Not a TikTok Account v.1 grant", 403)
        try:
            cursor = max(int(request.query_params.get("cursor") or 0), 0)
            max_count = min(max(int(request.query_params.get("max_count") or 20), 1), 50)
        except ValueError:
            return api_error("invalid_params", "cursor and max_count must be numbers", 400)
        page, next_cursor, has_more = grants.mentions(
            state,
            grant,
            see_tags=False,
            cursor=cursor,
            max_count=max_count,
            window=grants.INBOX_WINDOW,
            limit=grants.INBOX_LIMIT,
        )
        media = f"{sim_base(request).removesuffix(PREFIX)}/media"
        notes = [
            {
                "type": "mention",
                "create_time": int(v.created_at.timestamp()),
                "video": video_json(v, media, state.now()),
            }
            for v in page
        ]
        return api_ok({"notifications": notes, "cursor": next_cursor, "has_more": has_more})

    return [
        Route("/v2/oauth/get_qrcode/", get_qrcode, methods=["POST"]),
        Route("/v2/oauth/check_qrcode/", check_qrcode, methods=["POST"]),
        Route("/v2/oauth/token/", token, methods=["POST"]),
        Route("/v2/oauth/revoke/", revoke, methods=["POST"]),
        Route("/v2/user/info/", user_info, methods=["GET"]),
        Route("/v2/dm/send/", dm_send, methods=["POST"]),
        Route("/v2/notifications/mentions/", mention_inbox, methods=["GET"]),
    ]
