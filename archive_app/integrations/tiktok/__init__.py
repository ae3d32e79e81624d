"""The app's only door to TikTok (DESIGN.md section 2).

Services depend on :class:`TikTokGateway` and our own types; ``gateway_for(kind, settings)``
builds the real client, which talks to live TikTok or to the simulator depending on settings.
"""

from archive_app.integrations.tiktok.client import gateway_for
from archive_app.integrations.tiktok.errors import (
    GrantRevoked,
    InvalidRequest,
    InvalidSignature,
    QrTicketMismatch,
    TikTokError,
    TokenExpired,
    TransientError,
)
from archive_app.integrations.tiktok.kinds import KINDS, Kind, KindSpec, deadline, spec
from archive_app.integrations.tiktok.protocol import (
    DmResult,
    MentionPage,
    Profile,
    QrCode,
    QrState,
    QrStatus,
    Queued,
    Sent,
    TikTokGateway,
    TokenSet,
    Video,
)
from archive_app.integrations.tiktok.webhooks import (
    AuthorizationRemoved,
    BrandMention,
    OtherEvent,
    TikTokEvent,
    WebhookVerifier,
)

__all__ = [
    "KINDS",
    "AuthorizationRemoved",
    "BrandMention",
    "DmResult",
    "GrantRevoked",
    "InvalidRequest",
    "InvalidSignature",
    "Kind",
    "KindSpec",
    "MentionPage",
    "OtherEvent",
    "Profile",
    "QrCode",
    "QrState",
    "QrStatus",
    "QrTicketMismatch",
    "Queued",
    "Sent",
    "TikTokError",
    "TikTokEvent",
    "TikTokGateway",
    "TokenExpired",
    "TokenSet",
    "TransientError",
    "Video",
    "WebhookVerifier",
    "deadline",
    "gateway_for",
    "spec",
]
