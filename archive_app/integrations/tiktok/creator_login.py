"""Login Kit's web flow for creators (TIKTOK.md "The creator's side").

On their approval page a creator proves which TikTok account they are: the browser goes to
TikTok's authorize page with ``scope=user.info.basic``; the callback's code is exchanged for a
token, ``GET /v2/user/info/`` says ``open_id`` and ``username``, and the token is revoked at
once (Archive keeps nothing but those two, in the proof). The app may be v.1's Login Kit app or
its own (``ARCHIVE_CREATOR_LOGIN_KIT_CLIENT_KEY``); ``creator_login_for`` is None when neither
is configured.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from authlib.common.urls import add_params_to_uri

from archive_app.integrations.tiktok._http import Sleep, TikTokHttp, login_kit_json
from archive_app.integrations.tiktok.errors import InvalidRequest, TikTokError
from archive_app.integrations.tiktok.oauth import LoginKitOAuth
from archive_app.settings import Settings

log = logging.getLogger(__name__)
SCOPE = "user.info.basic"
CALLBACK_PATH = "/r/login/callback"


@dataclass(frozen=True)
class CreatorAccount:
    open_id: str
    username: str


class CreatorLogin:
    def __init__(
        self,
        *,
        http: TikTokHttp,
        login_base_url: str,
        authorize_url: str,
        client_key: str,
        client_secret: str,
        redirect_uri: str,
    ) -> None:
        self._http = http
        self._base = login_base_url.rstrip("/")
        self._authorize = authorize_url
        self._key = client_key
        self._redirect_uri = redirect_uri
        self._oauth = LoginKitOAuth(
            http=http,
            base_url=self._base,
            client_key=client_key,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            scopes=(SCOPE,),
        )

    def authorize_url(self, *, state: str) -> str:
        return add_params_to_uri(
            self._authorize,
            [
                ("client_key", self._key),
                ("response_type", "code"),
                ("scope", SCOPE),
                ("redirect_uri", self._redirect_uri),
                ("state", state),
            ],
        )

    async def identify(self, *, code: str, now: datetime) -> CreatorAccount:
        """Who logged in (raises ``TikTokError``); the token is revoked before returning."""
        tokens = await self._oauth.exchange_code(code=code, now=now)
        try:
            return await self._user(tokens.access_token, tokens.open_id)
        finally:
            try:
                await self._oauth.revoke(access_token=tokens.access_token)
            except TikTokError as exc:  # it expires on its own; the answer must not wait
                log.warning("could not revoke a creator's Login Kit token: %s", exc)

    async def _user(self, access_token: str, open_id: str) -> CreatorAccount:
        async def attempt() -> dict[str, Any]:
            response = await self._http.request(
                "GET",
                f"{self._base}/v2/user/info/",
                params={"fields": "open_id,username,display_name"},
                headers={"Authorization": f"Bearer {access_token}"},
            )
            return login_kit_json(response)

        body = await self._http.with_retries(attempt)
        user = (body.get("data") or {}).get("user") or {}
        username = str(user.get("username") or "").strip().lstrip("@")
        if not username:
            raise InvalidRequest("TikTok did not say which account logged in")
        return CreatorAccount(open_id=str(user.get("open_id") or open_id), username=username)

    async def aclose(self) -> None:
        await self._http.aclose()


def creator_login_for(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep = asyncio.sleep,
) -> CreatorLogin | None:
    if not settings.creator_login_configured:
        return None
    http = TikTokHttp(
        timeout_seconds=settings.tiktok_timeout_seconds,
        max_retries=settings.tiktok_max_retries,
        backoff_seconds=settings.tiktok_backoff_seconds,
        transport=transport,
        sleep=sleep,
    )
    return CreatorLogin(
        http=http,
        login_base_url=settings.tiktok_login_base_url,
        authorize_url=settings.tiktok_authorize_url,
        client_key=settings.creator_login_kit_client_key,
        client_secret=settings.creator_login_kit_client_secret.get_secret_value(),
        redirect_uri=f"{settings.public_url}{CALLBACK_PATH}",
    )
