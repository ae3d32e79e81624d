"""The Feed's keyset cursor, ``<posted_at in microseconds>.<mention id>``: where the next
page starts (the order of ``ix_mentions_feed``). Also Social Profiles' (by last mention)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_CURSOR = re.compile(r"([0-9]{1,20})\.([0-9]{1,10})")


def encode_cursor(posted_at: datetime, mention_id: int) -> str:
    return f"{int(posted_at.timestamp() * 1_000_000)}.{mention_id}"


def decode_cursor(raw: str) -> tuple[datetime, int] | None:
    match = _CURSOR.fullmatch(raw)
    if match is None:
        return None
    micros, mention_id = int(match[1]), int(match[2])
    try:
        return datetime.fromtimestamp(micros / 1_000_000, UTC), mention_id
    except (OverflowError, OSError, ValueError):
        return None
