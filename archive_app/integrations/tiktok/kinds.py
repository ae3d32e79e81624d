"""The one table of TikTok source kinds.

The help article (spec/connecting-tiktok.txt) promises "reconnect every 180 days" for v.1 and
"every 360 days" for v.2, DMs only for v.1 and better coverage for v.2. Those promises live
here and nowhere else; the UI, reminders and routing read this table. ``capabilities`` says
what each kind's gateway can do (QR or consent login, DMs, ...); ``client.gateway_for`` returns
a gateway typed as exactly those, and no gateway carries a method its kind lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal


class Kind(StrEnum):
    tiktok_v1 = "tiktok_v1"
    tiktok_v2 = "tiktok_v2"


class Capability(StrEnum):
    """What a kind's gateway can do; each is one small protocol in ``protocol.py``."""

    qr_login = "qr_login"
    consent_login = "consent_login"
    token_refresh = "token_refresh"
    revoke = "revoke"
    profile = "profile"
    list_mentions = "list_mentions"
    send_dm = "send_dm"


@dataclass(frozen=True)
class KindSpec:
    kind: Kind
    display_name: str
    # Which TikTok platform issues the tokens (TIKTOK.md "Two platforms").
    platform: Literal["login_kit", "business"]
    scopes: tuple[str, ...]
    # Exactly what ``gateway_for(kind)`` implements; the contract suite holds the two together.
    capabilities: frozenset[Capability]
    # v.2 also finds videos where the brand is only tagged, not written in the caption.
    detects_tags: bool
    reconnect_days: int
    # The spec's "Set Up Reminders" (30, 14, 7, 3 and 1 days before the deadline): v.1 only.
    has_reminders: bool
    # How far back the first poll after a (re)connection reaches: TikTok's Business mention
    # list returns mentions of roughly the last 90 days (TIKTOK.md); the v.1 notifications
    # inbox, the newest of 30 days. Older mentions of a time without a connection are lost.
    mention_history_days: int
    summary: str

    @property
    def scope_param(self) -> str:
        return ",".join(self.scopes)

    @property
    def connect_flow(self) -> Literal["qr", "consent"]:
        """How a person connects: scan a QR code with the TikTok app, or a consent page."""
        return "qr" if Capability.qr_login in self.capabilities else "consent"

    @property
    def can_send_dms(self) -> bool:
        return Capability.send_dm in self.capabilities


_EVERY_KIND = (
    Capability.token_refresh,
    Capability.revoke,
    Capability.profile,
    Capability.list_mentions,
)

KINDS: dict[Kind, KindSpec] = {
    Kind.tiktok_v1: KindSpec(
        kind=Kind.tiktok_v1,
        display_name="TikTok Account v.1",
        platform="login_kit",
        scopes=("user.info.basic", "user.info.profile", "video.list"),
        capabilities=frozenset({Capability.qr_login, *_EVERY_KIND, Capability.send_dm}),
        detects_tags=False,
        reconnect_days=180,
        has_reminders=True,
        mention_history_days=30,
        summary="Capable of sending DMs to your creators (Manage Rights feature)",
    ),
    Kind.tiktok_v2: KindSpec(
        kind=Kind.tiktok_v2,
        display_name="TikTok Account v.2",
        platform="business",
        scopes=("user.info.basic", "user.info.username", "video.list", "biz.mention.list"),
        capabilities=frozenset({Capability.consent_login, *_EVERY_KIND}),
        detects_tags=True,
        reconnect_days=360,
        has_reminders=False,
        mention_history_days=90,
        summary="Can't send DMs to your creators, but has better coverage",
    ),
}


def spec(kind: Kind | str) -> KindSpec:
    return KINDS[Kind(kind)]


def sending_kinds() -> list[str]:
    """The kinds whose sources can send DMs (for SQL filters on ``Source.kind``)."""
    return [k.value for k, s in KINDS.items() if s.can_send_dms]


def reminder_kinds() -> list[str]:
    """The kinds whose sources get reconnect reminders (for SQL filters on ``Source.kind``)."""
    return [k.value for k, s in KINDS.items() if s.has_reminders]


def deadline(kind: Kind | str, connected_at: datetime, refresh_expires_at: datetime) -> datetime:
    """When the source must be reconnected: our promise or TikTok's, whichever comes first."""
    if connected_at.tzinfo is None or refresh_expires_at.tzinfo is None:
        raise ValueError("deadline needs aware UTC datetimes")
    promised = connected_at + timedelta(days=spec(kind).reconnect_days)
    return min(promised, refresh_expires_at)
