"""What became of a DM, and why a rights request waits ``In Queue`` (DESIGN.md section 3).

``send_dm`` answers :class:`Sent` or :class:`Queued`; the services' routing (no v.1 source, or
the v.1 source is disconnected) answers the same :class:`QueueReason` without calling TikTok.
Code branches on the reason; people read :func:`queue_reason_text`, and the queued requests
are retried when their reason goes away.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class QueueReason(StrEnum):
    # Routing, before any call to TikTok: only a TikTok Account v.1 source can send DMs.
    no_v1_source = "no_v1_source"
    v1_disconnected = "v1_disconnected"
    # TikTok's answer (or the relay's) to a send.
    creator_dm_setting = "creator_dm_setting"
    creator_not_found = "creator_not_found"
    no_relay = "no_relay"
    refused = "refused"

    @classmethod
    def from_wire(cls, code: str) -> QueueReason:
        """The relay's refusal code; one we do not know is a plain refusal."""
        try:
            return cls(code)
        except ValueError:
            return cls.refused


@dataclass(frozen=True)
class Sent:
    message_id: str


@dataclass(frozen=True)
class Queued:
    """Not sent. ``detail`` is the relay's own code when it gave one we do not know."""

    reason: QueueReason
    detail: str = ""


DmResult = Sent | Queued


def queue_reason_text(reason: QueueReason, *, handle: str) -> str:
    """Why the request to ``@handle`` waits, in words a person can act on."""
    handle = handle.lstrip("@")
    copy_it = "Copy the message and send it from the TikTok app"
    or_copy_it = "or copy the message and send it from the TikTok app"
    match reason:
        case QueueReason.no_v1_source:
            return (
                "Only a TikTok Account v.1 can send DMs, and this workspace has none. Connect one "
                f"in Settings → Sources and the request is sent; {or_copy_it}."
            )
        case QueueReason.v1_disconnected:
            return (
                "The TikTok Account v.1 that sends DMs is disconnected. Reconnect it in "
                f"Settings → Sources and the request is sent; {or_copy_it}."
            )
        case QueueReason.creator_dm_setting:
            return (
                f"@{handle}'s TikTok settings don't accept messages from this account. "
                f"{copy_it}; it is retried if they add you as a friend."
            )
        case QueueReason.creator_not_found:
            return f"TikTok has no account @{handle}; check the handle."
        case QueueReason.no_relay:
            return f"TikTok has no API for a first message to a creator. {copy_it}."
        case QueueReason.refused:
            return f"TikTok did not deliver the message to @{handle}. {copy_it}."
