"""What services may ask of TikTok, in our own types.

Services depend on :class:`TikTokGateway` only. The real client (``client.py``) and any fake a
test writes satisfy it; nothing above this layer sees TikTok's wire shapes, base URLs or
``expires_in`` seconds (turned into absolute instants here, from the caller's ``now``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from archive_app.integrations.tiktok.kinds import Kind


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


@dataclass(frozen=True)
class Sent:
    message_id: str


@dataclass(frozen=True)
class Queued:
    """Not sent; ``reason`` is shown to people, ``code`` lets services retry when it goes away."""

    code: str
    reason: str


DmResult = Sent | Queued


class TikTokGateway(Protocol):
    """One connected-account kind's view of TikTok. Every method may raise ``errors.*``.

    Only the methods that fit ``kind`` work: a v.1 gateway has no consent URL, a v.2 gateway no
    QR login; calling the other raises ``InvalidRequest``.
    """

    @property
    def kind(self) -> Kind: ...

    def authorize_url(self, *, state: str) -> str:
        """Where the browser goes for the consent page (v.2)."""
        ...

    async def get_qrcode(self, *, state: str) -> QrCode:
        """A fresh QR login (v.1). Call again on ``expired``."""
        ...

    async def check_qrcode(self, qr: QrCode) -> QrStatus:
        """Poll a QR login; a confirmation carrying another ticket raises QrTicketMismatch."""
        ...

    async def exchange_code(
        self, *, code: str, now: datetime, code_verifier: str | None = None
    ) -> TokenSet: ...

    async def refresh(self, *, refresh_token: str, now: datetime) -> TokenSet:
        """The returned refresh token replaces the old one, which TikTok may already refuse."""
        ...

    async def revoke(self, *, access_token: str) -> None: ...

    async def profile(self, *, access_token: str, open_id: str) -> Profile: ...

    async def mentions(
        self, *, access_token: str, open_id: str, cursor: str | None = None, max_count: int = 20
    ) -> MentionPage: ...

    async def send_dm(self, *, access_token: str, creator_handle: str, text: str) -> DmResult: ...

    async def aclose(self) -> None: ...
