"""The control API (``/control/...``): tests and the demo play the TikTok side through it.

Every call answers the object it changed, as JSON. Revoking an account also delivers TikTok's
signed ``authorization.removed`` webhook to the app, and a new mention a ``brand.mention.event``
to each API for Business app the brand granted (best effort; the outcome is recorded). Real
TikTok sends the mention event 2-3 hours late; the simulator sends it at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from archive_app.simulator import grants
from archive_app.simulator.business import video_json
from archive_app.simulator.state import (
    DM_SETTINGS,
    Creator,
    Delivery,
    Failure,
    SimError,
    SimState,
    VideoRec,
    new_id,
    to_json,
)
from archive_app.simulator.wire import sim_base
from archive_app.web.same_site import same_origin_only

Handler = Callable[[Request], Awaitable[Response]]


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """TikTok's ``Tiktok-Signature`` header (the app verifies it in integrations/tiktok)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},s={mac.hexdigest()}"


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw else {}
    except ValueError as exc:
        raise SimError("body must be JSON") from exc
    if not isinstance(body, dict):
        raise SimError("body must be a JSON object")
    return body


def handled(endpoint: Handler) -> Handler:
    """Errors as JSON; a request from another site is refused (web/same_site.py)."""

    async def run(request: Request) -> Response:
        try:
            return await endpoint(request)
        except SimError as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)

    return same_origin_only(run)


# Told how far ``POST /control/clock`` moved the shared clock (the app's demo sessions follow).
ClockMoved = Callable[[timedelta], Awaitable[None]]


def control_routes(
    state: SimState,
    *,
    webhook_url: str,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
    on_clock_moved: ClockMoved | None = None,
) -> list[Route]:
    def ok(value: Any, status: int = 200) -> JSONResponse:
        return JSONResponse(to_json(value), status_code=status)

    async def deliver(
        event: str, client_key: str, open_id: str, content: dict[str, Any]
    ) -> Delivery:
        now = state.now()
        payload = {
            "client_key": client_key,
            "event": event,
            "create_time": int(now.timestamp()),
            "user_openid": open_id,
            "content": json.dumps(content),
        }
        body = json.dumps(payload).encode()
        header = sign(state.apps[client_key].client_secret, body, int(now.timestamp()))
        record = Delivery(event, webhook_url, client_key, open_id, body.decode(), header, now)
        try:
            async with httpx.AsyncClient(transport=webhook_transport, timeout=5.0) as client:
                response = await client.post(
                    webhook_url,
                    content=body,
                    headers={"Content-Type": "application/json", "Tiktok-Signature": header},
                )
            record.status_code = response.status_code
        except httpx.HTTPError as exc:  # best effort: TikTok would retry later
            record.error = f"{type(exc).__name__}: {exc}"
        with state.lock:
            state.deliveries.append(record)
        return record

    async def get_state(request: Request) -> Response:
        return JSONResponse(state.snapshot())

    async def add_account(request: Request) -> Response:
        body = await _json(request)
        account = state.upsert_account(
            str(body.get("username", "")), str(body.get("display_name", ""))
        )
        return ok(account, 201)

    async def qr_action(request: Request) -> Response:
        token, action = request.path_params["token"], request.path_params["action"]
        if action == "scan":
            body = await _json(request)
            ticket = body.get("client_ticket")
            qr = grants.scan_qr(
                state,
                token,
                username=str(body.get("username", "")) or None,
                client_ticket=str(ticket) if ticket else None,
            )
        elif action == "confirm":
            qr = grants.confirm_qr(state, token)
        elif action == "deny":
            qr = grants.deny_qr(state, token)
        else:
            raise SimError(f"Unknown QR action {action}", status=404)
        return ok(qr)

    async def revoke_account(request: Request) -> Response:
        account = state.account(request.path_params["username"])
        revoked = grants.revoke_account(state, account.username)
        deliveries = []
        for client_key in dict.fromkeys(g.client_key for g in revoked):
            open_id = account.open_ids[client_key]
            deliveries.append(
                await deliver("authorization.removed", client_key, open_id, {"reason": 1})
            )
        return ok({"account": account, "revoked_grants": revoked, "webhooks": deliveries})

    async def invalidate_refresh(request: Request) -> Response:
        account = state.account(request.path_params["username"])
        changed = grants.invalidate_refresh(state, account.username)
        return ok({"account": account, "grants": changed})

    def dm_setting(body: dict[str, Any]) -> str:
        value = str(body.get("dm_setting", ""))
        if value not in DM_SETTINGS:
            raise SimError(f"dm_setting must be one of {', '.join(DM_SETTINGS)}")
        return value

    async def add_creator(request: Request) -> Response:
        body = await _json(request)
        handle = str(body.get("handle", "")).strip().lstrip("@")
        if not handle:
            raise SimError("handle is required")
        setting = dm_setting(body)
        with state.lock:
            creator = state.creators.setdefault(handle, Creator(handle, setting))
            creator.dm_setting = setting
        return ok(creator, 201)

    async def patch_creator(request: Request) -> Response:
        body = await _json(request)
        with state.lock:
            creator = state.creator(request.path_params["handle"])
            creator.dm_setting = dm_setting(body)
        return ok(creator)

    async def add_friend(request: Request) -> Response:
        body = await _json(request)
        with state.lock:
            creator = state.creator(request.path_params["handle"])
            creator.friends.add(state.account(str(body.get("username", ""))).username)
        return ok(creator)

    async def creator_messages(request: Request) -> Response:
        creator = state.creator(request.path_params["handle"])
        with state.lock:
            received = [m for m in state.messages if m.creator_handle == creator.handle]
        return ok({"handle": creator.handle, "messages": received})

    async def add_mention(request: Request) -> Response:
        body = await _json(request)
        with state.lock:
            brand = state.account(str(body.get("brand_username", ""))).username
            video = VideoRec(
                item_id=str(body.get("item_id") or new_id("v")),
                brand_username=brand,
                creator_handle=str(body.get("creator_handle", "")).lstrip("@"),
                caption=str(body.get("caption", "")),
                created_at=state.now(),
                views=int(body.get("views", 0)),
                likes=int(body.get("likes", 0)),
                comments=int(body.get("comments", 0)),
                shares=int(body.get("shares", 0)),
                tag_only=bool(body.get("tag_only", False)),
            )
            if not video.creator_handle:
                raise SimError("creator_handle is required")
            state.videos.append(video)
            business_keys = {
                g.client_key: g.open_id
                for g in state.grants
                if g.username == brand
                and g.revoked_at is None
                and state.apps[g.client_key].kind == "tiktok_v2"
            }
        # The event carries the video in the mention list's shape (TikTok documents no more).
        content = video_json(video, f"{sim_base(request)}/media", state.now())
        deliveries = [
            await deliver("brand.mention.event", key, open_id, content)
            for key, open_id in business_keys.items()
        ]
        return ok({**to_json(video), "webhooks": to_json(deliveries)}, 201)

    async def add_failure(request: Request) -> Response:
        body = await _json(request)
        mode = str(body.get("mode", ""))
        if mode not in {"rate_limit", "server_error", "timeout"}:
            raise SimError("mode must be rate_limit, server_error or timeout")
        failure = Failure(str(body.get("endpoint", "")), mode, int(body.get("count", 1)))
        if not failure.endpoint.strip("/"):
            raise SimError("endpoint is required, e.g. /open/v2/user/info/")
        with state.lock:
            state.failures.append(failure)
        return ok(failure, 201)

    async def advance_clock(request: Request) -> Response:
        body = await _json(request)
        try:
            delta = timedelta(
                days=float(body.get("advance_days", 0)),
                seconds=float(body.get("advance_seconds", 0)),
            )
            now = state.advance_clock(delta)
        except (TypeError, ValueError) as exc:
            raise SimError(f"advance_days must be a number >= 0 ({exc})") from exc
        if on_clock_moved is not None:
            await on_clock_moved(delta)
        return ok({"now": now, "advanced_seconds": delta.total_seconds()})

    routes: list[tuple[str, Handler, list[str]]] = [
        ("/control/state", get_state, ["GET"]),
        ("/control/accounts", add_account, ["POST"]),
        ("/control/accounts/{username}/revoke", revoke_account, ["POST"]),
        ("/control/accounts/{username}/invalidate_refresh", invalidate_refresh, ["POST"]),
        ("/control/qr/{token}/{action}", qr_action, ["POST"]),
        ("/control/creators", add_creator, ["POST"]),
        ("/control/creators/{handle}", patch_creator, ["PATCH"]),
        ("/control/creators/{handle}/friends", add_friend, ["POST"]),
        ("/control/creators/{handle}/messages", creator_messages, ["GET"]),
        ("/control/mentions", add_mention, ["POST"]),
        ("/control/failures", add_failure, ["POST"]),
        ("/control/clock", advance_clock, ["POST"]),
    ]
    return [Route(path, handled(fn), methods=methods) for path, fn, methods in routes]
