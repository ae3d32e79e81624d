"""API for Business (``/business/open_api/v1.3/...``): tokens, account info, mentions.

Always HTTP 200; failures are ``code`` values (TIKTOK.md). Only API for Business grants read
mentions here; a v.1 (Login Kit) account's mentions come from the relay's notifications inbox
(``login_kit.py``), with lower coverage.
"""

from __future__ import annotations

import json
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from archive_app.simulator import grants
from archive_app.simulator.media import cover_link
from archive_app.simulator.state import Grant, SimState, TokenProblem, VideoRec
from archive_app.simulator.wire import business, form_or_json, guarded, sim_base

PREFIX = "/business/open_api/v1.3"


def media_base(request: Request) -> str:
    return f"{sim_base(request).removesuffix(PREFIX)}/media"


def video_json(v: VideoRec, media: str, now: datetime) -> dict[str, object]:
    """A video in the mention list's shape (also the relay inbox's and the webhook's); its
    cover URL is signed and expires like TikTok's (``media.py``)."""
    return {
        "item_id": v.item_id,
        "create_time": int(v.created_at.timestamp()),
        "video_link": f"https://www.tiktok.com/@{v.creator_handle}/video/{v.item_id}",
        "caption": v.caption,
        "likes": v.likes,
        "comments": v.comments,
        "shares": v.shares,
        "views": v.views,
        "thumbnail_url": cover_link(v, media, now),
        "creator_handle_name": v.creator_handle,
    }


def business_routes(state: SimState, *, timeout_seconds: float) -> list[Route]:
    """Routes relative to ``PREFIX`` (where the simulator mounts them)."""
    guard = guarded(state, "business", timeout_seconds)

    def token_data(grant: Grant) -> dict[str, object]:
        now = state.now()
        return {
            "access_token": grant.access_token,
            "refresh_token": grant.refresh_token,
            "expires_in": round((grant.access_expires_at - now).total_seconds()),
            "refresh_token_expires_in": round((grant.refresh_expires_at - now).total_seconds()),
            "open_id": grant.open_id,
            "scope": grant.scope.split(","),
        }

    def client_ok(body: dict[str, str]) -> bool:
        return state.app(body.get("client_id", ""), body.get("client_secret", "")) is not None

    @guard
    async def token(request: Request) -> Response:
        body = await form_or_json(request)
        if not client_ok(body):
            return business(40001, "Unknown client_id or wrong client_secret")
        if body.get("grant_type") != "authorization_code" or not body.get("auth_code"):
            return business(40002, "grant_type must be authorization_code, with auth_code")
        grant = grants.redeem_code(
            state,
            client_key=body["client_id"],
            code=body["auth_code"],
            redirect_uri=body.get("redirect_uri"),
        )
        if grant is None:
            return business(40110, "Invalid auth_code")
        return business(0, "OK", token_data(grant))

    @guard
    async def refresh(request: Request) -> Response:
        body = await form_or_json(request)
        if not client_ok(body):
            return business(40001, "Unknown client_id or wrong client_secret")
        result = grants.refresh(
            state, client_key=body["client_id"], refresh_token=body.get("refresh_token", "")
        )
        if result is TokenProblem.expired:
            return business(40103, "Refresh token expired")
        if isinstance(result, TokenProblem):
            return business(40107, "Invalid refresh token")
        return business(0, "OK", token_data(result))

    @guard
    async def revoke(request: Request) -> Response:
        body = await form_or_json(request)
        if not client_ok(body):
            return business(40001, "Unknown client_id or wrong client_secret")
        grants.revoke_token(
            state, client_key=body["client_id"], access_token=body.get("access_token", "")
        )
        return business(0, "OK")

    def authorised(request: Request) -> Grant | Response:
        token_value = request.headers.get("access-token", "")
        if not token_value:
            return business(40104, "Access-Token header is missing")
        found = grants.grant_for_access(state, token_value)
        if found is TokenProblem.expired:
            return business(40102, "Access token expired")
        if isinstance(found, TokenProblem):
            return business(40105, "Invalid access token")
        if request.query_params.get("business_id") != found.open_id:
            return business(40001, "No permission for this business_id")
        return found

    @guard
    async def account_info(request: Request) -> Response:
        grant = authorised(request)
        if not isinstance(grant, Grant):
            return grant
        account = state.account(grant.username)
        data = {
            "username": account.username,
            "display_name": account.display_name,
            "profile_image": f"{media_base(request)}/avatars/{account.username}.png",
        }
        return business(0, "OK", data)

    @guard
    async def mention_list(request: Request) -> Response:
        grant = authorised(request)
        if not isinstance(grant, Grant):
            return grant
        try:
            cursor = int(request.query_params.get("cursor") or 0)
            max_count = min(max(int(request.query_params.get("max_count") or 20), 1), 50)
            fields = json.loads(request.query_params.get("fields") or "[]")
        except ValueError:
            return business(40002, "cursor, max_count and fields must be valid")
        if state.apps[grant.client_key].kind != "tiktok_v2":
            return business(40001, "No permission: not an API for Business grant")
        page, next_cursor, has_more = grants.mentions(
            state, grant, see_tags=True, cursor=cursor, max_count=max_count
        )
        media = media_base(request)
        videos = []
        for v in page:
            full = video_json(v, media, state.now())
            videos.append({k: val for k, val in full.items() if not fields or k in fields})
        return business(0, "OK", {"videos": videos, "cursor": next_cursor, "has_more": has_more})

    return [
        Route("/tt_user/oauth2/token/", token, methods=["POST"]),
        Route("/tt_user/oauth2/refresh_token/", refresh, methods=["POST"]),
        Route("/tt_user/oauth2/revoke/", revoke, methods=["POST"]),
        Route("/business/get/", account_info, methods=["GET"]),
        Route("/business/mention/video/list/", mention_list, methods=["GET"]),
    ]
