"""TikTok's two wire shapes, and the failures tests inject into them.

Login Kit answers errors with HTTP 4xx/5xx and an ``error`` object (or OAuth's flat
``error`` string); API for Business always answers HTTP 200 with ``code != 0``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from archive_app.simulator.state import SimState, new_id

Endpoint = Callable[[Request], Awaitable[Response]]
Platform = Literal["login_kit", "business"]


def sim_base(request: Request) -> str:
    """Where this simulator is reachable, mount point included (``.../_sim``)."""
    root = str(request.scope.get("root_path", "")).rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}{root}"


def oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    body = {"error": error, "error_description": description, "log_id": new_id("log.")}
    return JSONResponse(body, status_code=status)


def api_error(code: str, message: str, status: int) -> JSONResponse:
    error = {"code": code, "message": message, "log_id": new_id("log.")}
    return JSONResponse({"data": {}, "error": error}, status_code=status)


def api_ok(data: dict[str, Any]) -> JSONResponse:
    error = {"code": "ok", "message": "", "log_id": new_id("log.")}
    return JSONResponse({"data": data, "error": error})


def business(code: int, message: str = "OK", data: dict[str, Any] | None = None) -> JSONResponse:
    body = {"code": code, "message": message, "request_id": new_id(), "data": data or {}}
    return JSONResponse(body)


async def form_or_json(request: Request) -> dict[str, str]:
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return {}
        return {k: str(v) for k, v in body.items()} if isinstance(body, dict) else {}
    form = await request.form()
    return {k: str(v) for k, v in form.items()}


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    return header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""


def guarded(
    state: SimState, platform: Platform, timeout_seconds: float
) -> Callable[[Endpoint], Endpoint]:
    """Apply an injected failure (``POST /control/failures``) before the real endpoint runs."""

    def wrap(endpoint: Endpoint) -> Endpoint:
        async def run(request: Request) -> Response:
            mode = state.take_failure(request.url.path)
            if mode == "timeout":
                # Longer than the app's client timeout: the client gives up first.
                await asyncio.sleep(timeout_seconds + 1)
            elif mode == "rate_limit":
                if platform == "business":
                    return business(40100, "Rate limit exceeded")
                response = api_error("rate_limit_exceeded", "Too many requests", 429)
                response.headers["Retry-After"] = "1"
                return response
            elif mode == "server_error":
                if platform == "business":
                    return business(50000, "System error")
                return api_error("internal_error", "Something went wrong", 500)
            return await endpoint(request)

        return run

    return wrap
