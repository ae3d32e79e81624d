"""Getting, refreshing and ending grants on both TikTok platforms.

Authlib's RFC 6749 helpers build the standard parts (token request bodies, callback parsing);
TikTok's own shapes are handled in this thin layer rather than through Authlib's httpx client,
whose httpx integration is deprecated in Authlib 1.9 (it warns at import and wants ``httpx2``)
and whose compliance hooks cannot rename ``client_id`` to ``client_key`` on the code exchange.

Login Kit (v.1): form-encoded, ``client_key``, OAuth error JSON on HTTP 4xx.
Business (v.2): JSON bodies, ``client_id`` + ``auth_code``, envelope ``{"code", "data"}``.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from urllib.parse import urlencode

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc6749.parameters import (
    parse_authorization_code_response,
    prepare_token_request,
)

from archive_app.integrations.tiktok._http import (
    TikTokHttp,
    business_data,
    login_kit_json,
    scopes_of,
)
from archive_app.integrations.tiktok.errors import (
    InvalidRequest,
    OAuthStep,
    QrTicketMismatch,
)
from archive_app.integrations.tiktok.protocol import QrCode, QrState, QrStatus, TokenSet

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TICKET_PLACEHOLDER = "tobefilled"


def _token_set(body: dict[str, object], *, refresh_key: str, now: datetime) -> TokenSet:
    try:
        return TokenSet.from_lifetimes(
            access_token=str(body["access_token"]),
            refresh_token=str(body["refresh_token"]),
            expires_in=float(str(body["expires_in"])),
            refresh_expires_in=float(str(body[refresh_key])),
            open_id=str(body["open_id"]),
            scopes=scopes_of(body.get("scope")),
            now=now,
        )
    except KeyError as exc:
        raise InvalidRequest(f"TikTok's token answer lacks {exc.args[0]}") from exc


def qr_ticket(client_secret: str, qr_token: str) -> str:
    """The ``client_ticket`` for one QR code: unguessable without our secret, bound to the code.

    Derived rather than random so the ticket needs no storage of its own, and so a stand-in
    for the phone that holds the app's secret (the simulator's control API) can present the
    ticket the QR image carries. A confirmation for any other code carries another ticket.
    """
    digest = hmac.new(client_secret.encode(), b"qr-ticket:" + qr_token.encode(), "sha256")
    return digest.hexdigest()[:32]


class LoginKitOAuth:
    """QR login and tokens for ``tiktok_v1``."""

    def __init__(
        self,
        *,
        http: TikTokHttp,
        base_url: str,
        client_key: str,
        client_secret: str,
        redirect_uri: str,
        scopes: tuple[str, ...],
    ) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._key = client_key
        self._secret = client_secret
        self._redirect_uri = redirect_uri
        self._scopes = scopes

    async def _post(self, path: str, body: str, *, step: OAuthStep) -> dict[str, object]:
        async def attempt() -> dict[str, object]:
            response = await self._http.request(
                "POST", f"{self._base}{path}", content=body, headers=FORM
            )
            return login_kit_json(response, step=step)

        return await self._http.with_retries(attempt)

    def _form(self, **fields: str) -> str:
        return urlencode(fields)

    async def get_qrcode(self, *, state: str) -> QrCode:
        body = await self._post(
            "/v2/oauth/get_qrcode/",
            self._form(client_key=self._key, scope=",".join(self._scopes), state=state),
            step="other",
        )
        url, token = str(body.get("scan_qrcode_url", "")), str(body.get("token", ""))
        if not url or not token:
            raise InvalidRequest("TikTok's QR answer lacks scan_qrcode_url or token")
        # Our own ticket, so a confirmation for someone else's QR code is refused (TIKTOK.md).
        ticket = qr_ticket(self._secret, token)
        if TICKET_PLACEHOLDER in url:
            scan_url = url.replace(TICKET_PLACEHOLDER, ticket)
        else:
            scan_url = add_params_to_uri(url, [("client_ticket", ticket)])
        return QrCode(token=token, scan_url=scan_url, ticket=ticket, state=state)

    async def check_qrcode(self, qr: QrCode) -> QrStatus:
        body = await self._post(
            "/v2/oauth/check_qrcode/",
            self._form(client_key=self._key, client_secret=self._secret, token=qr.token),
            step="other",
        )
        try:
            state = QrState(str(body.get("status")))
        except ValueError as exc:
            raise InvalidRequest(f"Unknown QR status from TikTok: {body.get('status')}") from exc
        if state is not QrState.confirmed:
            return QrStatus(state=state)
        ticket = str(body.get("client_ticket") or "")
        if not hmac.compare_digest(ticket.encode(), qr.ticket.encode()):
            raise QrTicketMismatch(
                "This QR login was confirmed for a different code; scan the code shown here again"
            )
        try:
            params = parse_authorization_code_response(
                str(body.get("redirect_uri", "")), state=qr.state
            )
        except OAuth2Error as exc:
            raise InvalidRequest(f"TikTok's QR confirmation is not usable: {exc}") from exc
        return QrStatus(state=state, code=str(params["code"]))

    async def exchange_code(
        self, *, code: str, now: datetime, code_verifier: str | None = None
    ) -> TokenSet:
        fields = {
            "client_key": self._key,
            "client_secret": self._secret,
            "code": code,
            "redirect_uri": self._redirect_uri,
        }
        if code_verifier:
            fields["code_verifier"] = code_verifier
        body = prepare_token_request("authorization_code", **fields)
        data = await self._post("/v2/oauth/token/", body, step="code")
        return _token_set(data, refresh_key="refresh_expires_in", now=now)

    async def refresh(self, *, refresh_token: str, now: datetime) -> TokenSet:
        body = prepare_token_request(
            "refresh_token",
            client_key=self._key,
            client_secret=self._secret,
            refresh_token=refresh_token,
        )
        data = await self._post("/v2/oauth/token/", body, step="refresh")
        return _token_set(data, refresh_key="refresh_expires_in", now=now)

    async def revoke(self, *, access_token: str) -> None:
        await self._post(
            "/v2/oauth/revoke/",
            self._form(client_key=self._key, client_secret=self._secret, token=access_token),
            step="other",
        )


class BusinessOAuth:
    """Consent and tokens for ``tiktok_v2`` (API for Business)."""

    def __init__(
        self,
        *,
        http: TikTokHttp,
        base_url: str,
        authorize_url: str,
        client_key: str,
        client_secret: str,
        redirect_uri: str,
        scopes: tuple[str, ...],
    ) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._authorize = authorize_url
        self._key = client_key
        self._secret = client_secret
        self._redirect_uri = redirect_uri
        self._scopes = scopes

    def authorize_url(self, *, state: str) -> str:
        return add_params_to_uri(
            self._authorize,
            [
                ("client_key", self._key),
                ("response_type", "code"),
                ("scope", ",".join(self._scopes)),
                ("redirect_uri", self._redirect_uri),
                ("state", state),
            ],
        )

    async def post(self, path: str, payload: dict[str, str]) -> dict[str, object]:
        async def attempt() -> dict[str, object]:
            response = await self._http.request("POST", f"{self._base}{path}", json=payload)
            return business_data(response)

        return await self._http.with_retries(attempt)

    def _client(self) -> dict[str, str]:
        return {"client_id": self._key, "client_secret": self._secret}

    async def exchange_code(self, *, code: str, now: datetime) -> TokenSet:
        data = await self.post(
            "/tt_user/oauth2/token/",
            {
                **self._client(),
                "grant_type": "authorization_code",
                "auth_code": code,
                "redirect_uri": self._redirect_uri,
            },
        )
        return _token_set(data, refresh_key="refresh_token_expires_in", now=now)

    async def refresh(self, *, refresh_token: str, now: datetime) -> TokenSet:
        data = await self.post(
            "/tt_user/oauth2/refresh_token/",
            {**self._client(), "grant_type": "refresh_token", "refresh_token": refresh_token},
        )
        return _token_set(data, refresh_key="refresh_token_expires_in", now=now)

    async def revoke(self, *, access_token: str) -> None:
        await self.post("/tt_user/oauth2/revoke/", {**self._client(), "access_token": access_token})
