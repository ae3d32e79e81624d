"""The one table of TikTok source kinds.

The help article (spec/connecting-tiktok.txt) promises "reconnect every 180 days" for v.1 and
"every 360 days" for v.2, DMs only for v.1 and better coverage for v.2. Those promises live
here and nowhere else; the UI, reminders and routing read this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal


class Kind(StrEnum):
    tiktok_v1 = "tiktok_v1"
    tiktok_v2 = "tiktok_v2"


@dataclass(frozen=True)
class KindSpec:
    kind: Kind
    display_name: str
    # How a person connects: scan a QR code with the TikTok app, or a browser consent page.
    connect_flow: Literal["qr", "consent"]
    # Which TikTok platform issues the tokens (TIKTOK.md "Two platforms").
    platform: Literal["login_kit", "business"]
    scopes: tuple[str, ...]
    can_send_dms: bool
    # v.2 also finds videos where the brand is only tagged, not written in the caption.
    detects_tags: bool
    reconnect_days: int
    summary: str

    @property
    def scope_param(self) -> str:
        return ",".join(self.scopes)


KINDS: dict[Kind, KindSpec] = {
    Kind.tiktok_v1: KindSpec(
        kind=Kind.tiktok_v1,
        display_name="TikTok Account v.1",
        connect_flow="qr",
        platform="login_kit",
        scopes=("user.info.basic", "user.info.profile", "video.list"),
        can_send_dms=True,
        detects_tags=False,
        reconnect_days=180,
        summary="Capable of sending DMs to your creators (Manage Rights feature)",
    ),
    Kind.tiktok_v2: KindSpec(
        kind=Kind.tiktok_v2,
        display_name="TikTok Account v.2",
        connect_flow="consent",
        platform="business",
        scopes=("user.info.basic", "user.info.username", "video.list", "biz.mention.list"),
        can_send_dms=False,
        detects_tags=True,
        reconnect_days=360,
        summary="Can't send DMs to your creators, but has better coverage",
    ),
}


def spec(kind: Kind | str) -> KindSpec:
    return KINDS[Kind(kind)]


def deadline(kind: Kind | str, connected_at: datetime, refresh_expires_at: datetime) -> datetime:
    """When the source must be reconnected: our promise or TikTok's, whichever comes first."""
    if connected_at.tzinfo is None or refresh_expires_at.tzinfo is None:
        raise ValueError("deadline needs aware UTC datetimes")
    promised = connected_at + timedelta(days=spec(kind).reconnect_days)
    return min(promised, refresh_expires_at)
