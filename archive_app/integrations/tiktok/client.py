"""The real TikTok client: one gateway class per kind, each with exactly its capabilities.

``LoginKitGateway`` is a :class:`V1Gateway` and ``BusinessGateway`` a :class:`V2Gateway`
(``protocol.py``); neither carries a method its kind lacks. Base URLs, keys, timeouts and retry
counts come from ``Settings``; switching from the simulator to live TikTok is configuration
only. Every gateway takes ``transport=`` (tests use ``httpx.MockTransport`` or real HTTP to the
simulator) and ``sleep=`` (tests don't wait).
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any, Literal, overload

import httpx

from archive_app.integrations.tiktok._http import (
    Sleep,
    TikTokHttp,
    business_data,
    login_kit_json,
)
from archive_app.integrations.tiktok.dm import DmResult, Queued, QueueReason, Sent
from archive_app.integrations.tiktok.kinds import Kind, spec
from archive_app.integrations.tiktok.mentions import (
    business_mentions,
    inbox_mentions,
    media_origin,
)
from archive_app.integrations.tiktok.oauth import BusinessOAuth, LoginKitOAuth
from archive_app.integrations.tiktok.protocol import (
    MentionPage,
    Profile,
    QrCode,
    QrStatus,
    TikTokGateway,
    TokenSet,
    V1Gateway,
    V2Gateway,
)
from archive_app.settings import Settings


class _Gateway:
    """What both kinds share: settings, the HTTP helper, the Business base URL."""

    def __init__(self, settings: Settings, http: TikTokHttp) -> None:
        self._settings = settings
        self._http = http
        self._business = settings.tiktok_business_base_url.rstrip("/")
        self._media_origin = media_origin(settings)

    async def aclose(self) -> None:
        await self._http.aclose()


class LoginKitGateway(_Gateway):
    """``tiktok_v1``: QR login, Login Kit tokens, and DMs (a :class:`V1Gateway`)."""

    kind = Kind.tiktok_v1

    def __init__(self, settings: Settings, http: TikTokHttp) -> None:
        super().__init__(settings, http)
        self._login = settings.tiktok_login_base_url.rstrip("/")
        self._dm_base = settings.tiktok_dm_base_url.rstrip("/")
        self._oauth = LoginKitOAuth(
            http=http,
            base_url=self._login,
            client_key=settings.tiktok_v1_client_key,
            client_secret=settings.tiktok_v1_client_secret.get_secret_value(),
            redirect_uri=settings.tiktok_redirect_uri,
            scopes=spec(Kind.tiktok_v1).scopes,
        )

    async def get_qrcode(self, *, state: str) -> QrCode:
        return await self._oauth.get_qrcode(state=state)

    async def check_qrcode(self, qr: QrCode) -> QrStatus:
        return await self._oauth.check_qrcode(qr)

    async def exchange_code(
        self, *, code: str, now: datetime, code_verifier: str | None = None
    ) -> TokenSet:
        return await self._oauth.exchange_code(code=code, now=now, code_verifier=code_verifier)

    async def refresh(self, *, refresh_token: str, now: datetime) -> TokenSet:
        return await self._oauth.refresh(refresh_token=refresh_token, now=now)

    async def revoke(self, *, access_token: str) -> None:
        await self._oauth.revoke(access_token=access_token)

    async def profile(self, *, access_token: str, open_id: str) -> Profile:
        async def attempt() -> dict[str, Any]:
            response = await self._http.request(
                "GET",
                f"{self._login}/v2/user/info/",
                params={"fields": "open_id,display_name,avatar_url,username"},
                headers={"Authorization": f"Bearer {access_token}"},
            )
            return login_kit_json(response)

        body = await self._http.with_retries(attempt)
        user = (body.get("data") or {}).get("user") or {}
        return Profile(
            open_id=str(user.get("open_id", open_id)),
            username=str(user.get("username", "")),
            display_name=str(user.get("display_name", "")),
            avatar_url=str(user.get("avatar_url", "")),
        )

    async def mentions(
        self, *, access_token: str, open_id: str, cursor: str | None = None, max_count: int = 20
    ) -> MentionPage:
        """The account's mention notifications, through the DM relay (``mentions.py``)."""
        return await inbox_mentions(
            self._http,
            relay_url=self._dm_base,
            access_token=access_token,
            cursor=cursor,
            max_count=max_count,
            http_origin=self._media_origin,
        )

    async def send_dm(
        self,
        *,
        access_token: str,
        creator_handle: str,
        text: str,
        idempotency_key: str | None = None,
    ) -> DmResult:
        """Sent only on the relay's "sent", else Queued; a timeout is retried only with a key."""
        if not self._dm_base:
            return Queued(QueueReason.no_relay)
        handle, key = creator_handle.lstrip("@"), idempotency_key
        payload = {"creator_handle": handle, "text": text, "idempotency_key": key}

        async def attempt() -> dict[str, Any]:
            response = await self._http.request(
                "POST",
                f"{self._dm_base}/v2/dm/send/",
                json=payload,
                headers={"Authorization": f"Bearer {access_token}"},
            )
            return login_kit_json(response)

        body = await self._http.with_retries(attempt, retry_timeouts=bool(idempotency_key))
        data = body.get("data") or {}
        if data.get("status") == "sent":
            return Sent(message_id=str(data.get("message_id", "")))
        reason = QueueReason.from_wire(code := str(data.get("reason") or "refused"))
        return Queued(reason, detail="" if reason.value == code else code)


class BusinessGateway(_Gateway):
    """``tiktok_v2``: consent page, API for Business tokens; no DMs (a :class:`V2Gateway`)."""

    kind = Kind.tiktok_v2

    def __init__(self, settings: Settings, http: TikTokHttp) -> None:
        super().__init__(settings, http)
        self._oauth = BusinessOAuth(
            http=http,
            base_url=self._business,
            authorize_url=settings.tiktok_authorize_url,
            client_key=settings.tiktok_v2_client_key,
            client_secret=settings.tiktok_v2_client_secret.get_secret_value(),
            redirect_uri=settings.tiktok_redirect_uri,
            scopes=spec(Kind.tiktok_v2).scopes,
        )

    def authorize_url(self, *, state: str) -> str:
        return self._oauth.authorize_url(state=state)

    async def mentions(
        self, *, access_token: str, open_id: str, cursor: str | None = None, max_count: int = 20
    ) -> MentionPage:
        return await business_mentions(
            self._http,
            base_url=self._business,
            access_token=access_token,
            open_id=open_id,
            cursor=cursor,
            max_count=max_count,
            http_origin=self._media_origin,
        )

    async def exchange_code(self, *, code: str, now: datetime) -> TokenSet:
        return await self._oauth.exchange_code(code=code, now=now)

    async def refresh(self, *, refresh_token: str, now: datetime) -> TokenSet:
        return await self._oauth.refresh(refresh_token=refresh_token, now=now)

    async def revoke(self, *, access_token: str) -> None:
        await self._oauth.revoke(access_token=access_token)

    async def profile(self, *, access_token: str, open_id: str) -> Profile:
        params = {
            "business_id": open_id,
            "fields": json.dumps(["username", "display_name", "profile_image"]),
        }

        async def attempt() -> dict[str, Any]:
            response = await self._http.request(
                "GET",
                f"{self._business}/business/get/",
                params=params,
                headers={"Access-Token": access_token},
            )
            return business_data(response)

        data = await self._http.with_retries(attempt)
        return Profile(
            open_id=open_id,
            username=str(data.get("username", "")),
            display_name=str(data.get("display_name", "")),
            avatar_url=str(data.get("profile_image", "")),
        )


@overload
def gateway_for(
    kind: Literal[Kind.tiktok_v1],
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep = asyncio.sleep,
) -> V1Gateway: ...


@overload
def gateway_for(
    kind: Literal[Kind.tiktok_v2],
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep = asyncio.sleep,
) -> V2Gateway: ...


@overload
def gateway_for(
    kind: Kind | str,
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep = asyncio.sleep,
) -> TikTokGateway: ...


def gateway_for(
    kind: Kind | str,
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep = asyncio.sleep,
) -> TikTokGateway:
    """The gateway for one kind, typed as the capabilities that kind has (``kinds.py``).

    ``gateway_for(Kind.tiktok_v1, ...)`` is a :class:`V1Gateway`; with a kind known only at run
    time it is either, and a caller narrows it by asking for a capability
    (``isinstance(gateway, DmSend)``). Close it with ``aclose()`` (or keep one per process).
    """
    http = TikTokHttp(
        timeout_seconds=settings.tiktok_timeout_seconds,
        max_retries=settings.tiktok_max_retries,
        backoff_seconds=settings.tiktok_backoff_seconds,
        transport=transport,
        sleep=sleep,
    )
    if Kind(kind) is Kind.tiktok_v1:
        return LoginKitGateway(settings, http)
    return BusinessGateway(settings, http)
