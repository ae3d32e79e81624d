"""What services may ask of TikTok, in our own types, one small protocol per capability.

A service asks for the capabilities it uses (``start_qr`` takes a :class:`QrLogin`,
``disconnect`` a :class:`Revoke`), never for "a TikTok client". Each kind's gateway
(``client.py``) implements exactly the capabilities its row in ``kinds.py`` lists, and
``gateway_for`` returns it typed as :class:`V1Gateway` or :class:`V2Gateway`: a v.2 gateway has
no ``send_dm`` to call, rather than one that raises. Nothing above this layer sees TikTok's
wire shapes, base URLs or ``expires_in`` seconds (turned into absolute instants here, from the
caller's ``now``).

    capability      protocol        v.1  v.2
    qr_login        QrLogin          x
    consent_login   ConsentLogin          x
    token_refresh   TokenRefresh     x    x
    revoke          Revoke           x    x
    profile         ProfileRead      x    x
    list_mentions   MentionList      x    x
    send_dm         DmSend           x
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol, runtime_checkable

from archive_app.integrations.tiktok.dm import DmResult
from archive_app.integrations.tiktok.kinds import Capability, Kind


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    access_expires_at: datetime
    refresh_expires_at: datetime
    open_id: str
    scopes: tuple[str, ...]

    @classmethod
    def from_lifetimes(
        cls,
        *,
        access_token: str,
        refresh_token: str,
        expires_in: float,
        refresh_expires_in: float,
        open_id: str,
        scopes: tuple[str, ...],
        now: datetime,
    ) -> TokenSet:
        """TikTok answers seconds from now; we store instants so a restart cannot stretch them."""
        if now.tzinfo is None:
            raise ValueError("now must be an aware UTC datetime")
        return cls(
            access_token=access_token,
            refresh_token=refresh_token,
            access_expires_at=now + timedelta(seconds=expires_in),
            refresh_expires_at=now + timedelta(seconds=refresh_expires_in),
            open_id=open_id,
            scopes=scopes,
        )


@dataclass(frozen=True)
class Profile:
    open_id: str
    username: str
    display_name: str
    avatar_url: str


@dataclass(frozen=True)
class Video:
    item_id: str
    created_at: datetime
    url: str
    caption: str
    creator_handle: str
    thumbnail_url: str
    likes: int
    comments: int
    shares: int
    views: int


@dataclass(frozen=True)
class MentionPage:
    videos: tuple[Video, ...]
    # Pass back to get the next page; ``None`` when TikTok gave none.
    cursor: str | None
    has_more: bool


@dataclass(frozen=True)
class QrCode:
    """A QR login in progress. ``scan_url`` is what the QR image encodes (with our ticket)."""

    token: str
    scan_url: str
    ticket: str
    state: str


class QrState(StrEnum):
    new = "new"
    scanned = "scanned"
    confirmed = "confirmed"
    expired = "expired"
    utilised = "utilised"


@dataclass(frozen=True)
class QrStatus:
    state: QrState
    # Only when ``confirmed`` (and the ticket matched): exchange it with ``exchange_code``.
    code: str | None = None


@runtime_checkable
class Gateway(Protocol):
    """What every gateway has: its kind, and a connection pool to close."""

    @property
    def kind(self) -> Kind: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class CodeExchange(Gateway, Protocol):
    """The end of either login: TikTok's one-time code becomes tokens."""

    async def exchange_code(self, *, code: str, now: datetime) -> TokenSet: ...


@runtime_checkable
class QrLogin(CodeExchange, Protocol):
    async def get_qrcode(self, *, state: str) -> QrCode:
        """A fresh QR login. Call again on ``expired``."""
        ...

    async def check_qrcode(self, qr: QrCode) -> QrStatus:
        """Poll a QR login; a confirmation carrying another ticket raises QrTicketMismatch."""
        ...


@runtime_checkable
class ConsentLogin(CodeExchange, Protocol):
    def authorize_url(self, *, state: str) -> str:
        """Where the browser goes for the consent page."""
        ...


@runtime_checkable
class TokenRefresh(Gateway, Protocol):
    async def refresh(self, *, refresh_token: str, now: datetime) -> TokenSet:
        """The returned refresh token replaces the old one, which TikTok may already refuse."""
        ...


@runtime_checkable
class Revoke(Gateway, Protocol):
    async def revoke(self, *, access_token: str) -> None: ...


@runtime_checkable
class ProfileRead(Gateway, Protocol):
    async def profile(self, *, access_token: str, open_id: str) -> Profile: ...


@runtime_checkable
class MentionList(Gateway, Protocol):
    async def mentions(
        self, *, access_token: str, open_id: str, cursor: str | None = None, max_count: int = 20
    ) -> MentionPage: ...


@runtime_checkable
class DmSend(Gateway, Protocol):
    async def send_dm(
        self,
        *,
        access_token: str,
        creator_handle: str,
        text: str,
        idempotency_key: str | None = None,
    ) -> DmResult:
        """Sent, or Queued with a ``QueueReason``; never raises for a refusal.

        With ``idempotency_key`` the relay delivers a key at most once: a repeated key answers
        the first message's Sent without sending again (retries after a timeout or a crash).
        """
        ...


# Plain ``type``: mypy accepts no protocol where ``type[Gateway]`` is expected.
CAPABILITIES: dict[Capability, type] = {
    Capability.qr_login: QrLogin,
    Capability.consent_login: ConsentLogin,
    Capability.token_refresh: TokenRefresh,
    Capability.revoke: Revoke,
    Capability.profile: ProfileRead,
    Capability.list_mentions: MentionList,
    Capability.send_dm: DmSend,
}


def capabilities_of(gateway: object) -> frozenset[Capability]:
    """What a gateway can do, read from the methods it has (the contract suite compares this
    with ``kinds.py``)."""
    return frozenset(cap for cap, proto in CAPABILITIES.items() if isinstance(gateway, proto))


class V1Gateway(QrLogin, TokenRefresh, Revoke, ProfileRead, MentionList, DmSend, Protocol):
    """``tiktok_v1``: QR login through Login Kit, and DMs."""


class V2Gateway(ConsentLogin, TokenRefresh, Revoke, ProfileRead, MentionList, Protocol):
    """``tiktok_v2``: consent page through API for Business; no DMs."""


# A gateway of either kind: what ``gateway_for`` returns when the kind is only known at run time.
TikTokGateway = V1Gateway | V2Gateway

# Each kind's gateway type; the contract suite checks both against ``kinds.py``.
KIND_GATEWAYS: dict[Kind, type] = {Kind.tiktok_v1: V1Gateway, Kind.tiktok_v2: V2Gateway}
