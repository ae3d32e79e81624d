"""The two TikToks the contract suite runs against, behind one small interface.

* ``SimulatorBackend``: the real client over real HTTP to the simulator (uvicorn in a thread);
  the TikTok side is played through the simulator's control API and pages.
* ``ExampleBackend``: the real client over ``httpx.MockTransport`` answering with example
  payloads (``payloads/*.json``). They were written by hand from TIKTOK.md's wire formats, not
  recorded from TikTok (no TikTok app or network here); replace them with real captures when
  there are some, with the least state needed to answer
  the same story (a used refresh token is refused, a revoked grant stays revoked).

The contract tests only call the methods below, so both must make the same assertions true.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import uvicorn
from pydantic import SecretStr
from starlette.applications import Starlette

from archive_app.clock import ShiftedClock
from archive_app.integrations.tiktok import (
    ConsentLogin,
    Kind,
    QrCode,
    TikTokGateway,
    gateway_for,
)
from archive_app.settings import Mode, Settings
from tests.production_settings import FERNET_KEY

PAYLOADS = Path(__file__).parent / "payloads"
MENTION_CAPTIONS = [f"Mention {n}" for n in range(1, 6)]
# Endpoints by what the contract means, for injecting failures.
ENDPOINTS = {
    (Kind.tiktok_v1, "profile"): "/open/v2/user/info/",
    (Kind.tiktok_v2, "profile"): "/business/open_api/v1.3/business/get/",
}


def payload(name: str, **values: object) -> Any:
    text = (PAYLOADS / f"{name}.json").read_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", str(value))
    return json.loads(text)


def sim_settings(port: int, data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "mode": Mode.test,
        "public_url": f"http://127.0.0.1:{port}",
        "data_dir": data_dir,
        "tiktok_timeout_seconds": 2.0,
        "tiktok_max_retries": 2,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def live_settings(data_dir: Path, **overrides: object) -> Settings:
    """Production as an operator would configure it, with a DM relay configured."""
    values: dict[str, object] = {
        "mode": Mode.production,
        "public_url": "https://archive.example.com",
        "data_dir": data_dir,
        "encryption_key": SecretStr(FERNET_KEY),
        "tiktok_v1_client_key": "awlivev1key",
        "tiktok_v1_client_secret": SecretStr("live-v1-secret"),
        "tiktok_v2_client_key": "awlivev2key",
        "tiktok_v2_client_secret": SecretStr("live-v2-secret"),
        "tiktok_dm_base_url": "https://dm-relay.example.com",
        "smtp_host": "smtp.example.com",
        "mail_from": "Archive <archive@example.com>",
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


class UvicornThread:
    """A real server on a free port, so the client goes through real sockets."""

    def __init__(self, app: Starlette, port: int) -> None:
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> UvicornThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("simulator did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class SimulatorBackend:
    name = "simulator"

    def __init__(self, settings: Settings, clock: ShiftedClock) -> None:
        self.settings = settings
        self.clock = clock
        self.sleeps = Sleeps()
        self.control = httpx.AsyncClient(base_url=f"{settings.public_url}/_sim", timeout=10)
        self.gateways: list[TikTokGateway] = []

    def gateway(self, kind: Kind) -> TikTokGateway:
        gateway = gateway_for(kind, self.settings, sleep=self.sleeps)
        self.gateways.append(gateway)
        return gateway

    def access_seconds(self, kind: Kind) -> float:
        # Login Kit follows settings.simulator_lifetimes ("current": 2 h); Business is 24 h.
        return 2 * 3600.0 if kind is Kind.tiktok_v1 else 24 * 3600.0

    async def _post(self, path: str, body: dict[str, object] | None = None) -> Any:
        response = await self.control.post(path, json=body or {})
        assert response.status_code < 300, response.text
        return response.json()

    async def create_account(self, username: str) -> None:
        await self._post(
            "/control/accounts", {"username": username, "display_name": username.title()}
        )

    async def phone_confirms(self, qr: QrCode, username: str, *, ticket: str | None = None) -> None:
        await self._post(
            f"/control/qr/{qr.token}/scan",
            {"username": username, "client_ticket": ticket or qr.ticket},
        )
        await self._post(f"/control/qr/{qr.token}/confirm")

    async def expire_qr(self, qr: QrCode) -> None:
        await self._post(
            "/control/clock", {"advance_seconds": self.settings.simulator_qr_lifetime_seconds + 1}
        )

    async def consent(self, gateway: ConsentLogin, username: str, state: str) -> str:
        url = gateway.authorize_url(state=state)
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        page = await self.control.get(url)
        assert "Authorize" in page.text
        answer = await self.control.post(
            url, data={**query, "username": username, "decision": "authorize"}
        )
        assert answer.status_code == 303, answer.text
        params = parse_qs(urlsplit(answer.headers["location"]).query)
        assert params["state"] == [state]
        return params["code"][0]

    async def user_revokes(self, username: str) -> None:
        await self._post(f"/control/accounts/{username}/revoke")

    async def fail(self, kind: Kind, what: str, mode: str, count: int) -> None:
        await self._post(
            "/control/failures", {"endpoint": ENDPOINTS[kind, what], "mode": mode, "count": count}
        )

    async def add_creator(self, handle: str, dm_setting: str) -> None:
        await self._post("/control/creators", {"handle": handle, "dm_setting": dm_setting})

    async def add_mentions(self, brand: str) -> None:
        for n, caption in enumerate(MENTION_CAPTIONS, start=1):
            await self._post(
                "/control/mentions",
                {
                    "brand_username": brand,
                    "creator_handle": f"maker.{n}",
                    "caption": caption,
                    "views": n * 100,
                },
            )
            self.clock.advance(timedelta(seconds=1))

    async def aclose(self) -> None:
        for gateway in self.gateways:
            await gateway.aclose()
        await self.control.aclose()


class ExampleBackend:
    """Live-like settings (production, real hosts) and a transport that replays payloads."""

    name = "examples"

    def __init__(self, settings: Settings, clock: ShiftedClock) -> None:
        self.settings = settings
        self.clock = clock
        self.sleeps = Sleeps()
        self.username = ""
        self.n = 0
        self.qr: dict[str, dict[str, str]] = {}
        self.codes: set[str] = set()
        self.access: set[str] = set()
        self.refresh: set[str] = set()
        self.failures: dict[str, tuple[str, int]] = {}
        self.creators: dict[str, str] = {}
        self.requests: list[httpx.Request] = []

    def gateway(self, kind: Kind) -> TikTokGateway:
        return gateway_for(
            kind, self.settings, transport=httpx.MockTransport(self.handle), sleep=self.sleeps
        )

    def access_seconds(self, kind: Kind) -> float:
        name = "login_kit_token" if kind is Kind.tiktok_v1 else "business_token"
        body = payload(name, n=0)
        return float(body.get("expires_in") or body["data"]["expires_in"])

    # -- the TikTok side ------------------------------------------------------------------
    async def create_account(self, username: str) -> None:
        self.username = username

    async def phone_confirms(self, qr: QrCode, username: str, *, ticket: str | None = None) -> None:
        code = f"code.example-{len(self.codes) + 1}"
        self.codes.add(code)
        self.qr[qr.token] = {
            "status": "confirmed",
            "ticket": ticket or qr.ticket,
            "code": code,
            "state": qr.state,
        }

    async def expire_qr(self, qr: QrCode) -> None:
        self.qr[qr.token] = {"status": "expired"}

    async def consent(self, gateway: ConsentLogin, username: str, state: str) -> str:
        url = gateway.authorize_url(state=state)
        assert url.startswith("https://www.tiktok.com/v2/auth/authorize/")
        assert parse_qs(urlsplit(url).query)["state"] == [state]
        code = f"code.example-{len(self.codes) + 1}"
        self.codes.add(code)
        return code

    async def user_revokes(self, username: str) -> None:
        self.access.clear()
        self.refresh.clear()

    async def fail(self, kind: Kind, what: str, mode: str, count: int) -> None:
        self.failures[
            ENDPOINTS[kind, what].rsplit("/open_api/v1.3", 1)[-1].removeprefix("/open")
        ] = (mode, count)

    async def add_creator(self, handle: str, dm_setting: str) -> None:
        self.creators[handle] = dm_setting

    async def add_mentions(self, brand: str) -> None:
        """The example pages hold exactly MENTION_CAPTIONS."""

    async def aclose(self) -> None:
        return None

    # -- the transport --------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        for suffix, (mode, count) in list(self.failures.items()):
            if path.endswith(suffix) and count > 0:
                self.failures[suffix] = (mode, count - 1)
                if "/business/" in path:
                    return httpx.Response(200, json=payload("business_error_rate_limited"))
                return httpx.Response(429, json=payload("login_kit_error_rate_limit"))
        routes: dict[str, Callable[[httpx.Request], httpx.Response]] = {
            "/v2/oauth/get_qrcode/": self._get_qrcode,
            "/v2/oauth/check_qrcode/": self._check_qrcode,
            "/v2/oauth/token/": self._login_token,
            "/v2/oauth/revoke/": lambda r: httpx.Response(200, json=payload("login_kit_revoke")),
            "/v2/user/info/": self._user_info,
            "/v2/dm/send/": self._dm,
            "/tt_user/oauth2/token/": self._business_token,
            "/tt_user/oauth2/refresh_token/": self._business_token,
            "/business/get/": self._business_get,
            "/business/mention/video/list/": self._mentions,
            "/v2/notifications/mentions/": self._inbox,
        }
        for suffix, route in routes.items():
            if path.endswith(suffix):
                return route(request)
        return httpx.Response(404, json={"error": {"code": "not_found"}})

    def _issue(self, name: str) -> httpx.Response:
        self.n += 1
        body = payload(name, n=self.n)
        data = body.get("data", body)
        self.access.add(data["access_token"])
        self.refresh.add(data["refresh_token"])
        return httpx.Response(200, json=body)

    def _get_qrcode(self, request: httpx.Request) -> httpx.Response:
        token = f"qr-example-{len(self.qr) + 1}"
        self.qr[token] = {"status": "new"}
        return httpx.Response(200, json=payload("login_kit_get_qrcode", qr_token=token))

    def _check_qrcode(self, request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        qr = self.qr[form["token"][0]]
        if qr["status"] == "confirmed":
            return httpx.Response(200, json=payload("login_kit_check_qrcode_confirmed", **qr))
        return httpx.Response(200, json=payload(f"login_kit_check_qrcode_{qr['status']}"))

    def _login_token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert form["client_key"] == self.settings.tiktok_v1_client_key
        if form["grant_type"] == "authorization_code" and form.get("code") in self.codes:
            self.codes.discard(form["code"])
            return self._issue("login_kit_token")
        if form["grant_type"] == "refresh_token" and form.get("refresh_token") in self.refresh:
            self.refresh.discard(form["refresh_token"])
            return self._issue("login_kit_token")
        return httpx.Response(400, json=payload("login_kit_error_invalid_grant"))

    def _business_token(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        assert body["client_id"] == self.settings.tiktok_v2_client_key
        if body.get("auth_code") in self.codes:
            self.codes.discard(body["auth_code"])
            return self._issue("business_token")
        if body.get("refresh_token") in self.refresh:
            self.refresh.discard(body["refresh_token"])
            return self._issue("business_token")
        return httpx.Response(200, json=payload("business_error_invalid_refresh_token"))

    def _user_info(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.access:
            return httpx.Response(401, json=payload("login_kit_error_access_token_invalid"))
        return httpx.Response(
            200,
            json=payload(
                "login_kit_user_info", username=self.username, display_name=self.username.title()
            ),
        )

    def _business_get(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("access-token") not in self.access:
            return httpx.Response(200, json=payload("business_error_invalid_token"))
        return httpx.Response(
            200,
            json=payload(
                "business_get", username=self.username, display_name=self.username.title()
            ),
        )

    def _mentions(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("access-token") not in self.access:
            return httpx.Response(200, json=payload("business_error_invalid_token"))
        page = (
            "business_mentions_page2"
            if request.url.params.get("cursor") == "3"
            else "business_mentions_page1"
        )
        return httpx.Response(200, json=payload(page))

    def _inbox(self, request: httpx.Request) -> httpx.Response:
        """The v.1 relay's notifications inbox (Login Kit's shape), an example like the list."""
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.access:
            return httpx.Response(401, json=payload("login_kit_error_access_token_invalid"))
        page = (
            "login_kit_mentions_page2"
            if request.url.params.get("cursor") == "3"
            else "login_kit_mentions_page1"
        )
        return httpx.Response(200, json=payload(page))

    def _dm(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        sent = self.creators.get(body["creator_handle"]) == "everyone"
        return httpx.Response(200, json=payload("dm_sent" if sent else "dm_refused"))
