"""Checks of what a creator types on their page: the optional note, and for a Spark Code
request the Spark Ads code and the duration they chose in TikTok. Each refusal says what to
change (``InvalidInput`` with the form field), and nothing is recorded."""

from __future__ import annotations

import unicodedata

from archive_app.models.rights import SPARK_DURATIONS_DAYS
from archive_app.services.errors import InvalidInput

NOTE_LIMIT = 1000
SPARK_CODE_HELP = (
    "A Spark Ads code starts with # followed by letters and digits (for example #aBc12…). "
    "In the TikTok app: your video → … → Ad settings → Ad authorization → Generate code, "
    "then copy it here."
)
SPARK_MIN, SPARK_MAX = 16, 400
_SPARK_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-.")


def check_note(note: str) -> str:
    text = note.replace("\r\n", "\n").strip()
    if len(text) > NOTE_LIMIT:
        raise InvalidInput(
            f"The note can be at most {NOTE_LIMIT:,} characters. Shorten it by "
            f"{len(text) - NOTE_LIMIT:,}.",
            field="note",
        )
    bad = next((ch for ch in text if ch not in "\n\t" and unicodedata.category(ch) == "Cc"), None)
    if bad is not None:
        raise InvalidInput(
            f"The note has a character that can't be saved (U+{ord(bad):04X}). Remove it.",
            field="note",
        )
    return text


def check_spark(code: str, days: str) -> tuple[str, int]:
    text = "".join(code.split())
    if not text:
        raise InvalidInput("Paste your Spark Ads code. " + SPARK_CODE_HELP, field="spark_code")
    if not text.startswith("#") or not SPARK_MIN <= len(text) <= SPARK_MAX:
        raise InvalidInput("That is not a Spark Ads code. " + SPARK_CODE_HELP, field="spark_code")
    if not set(text[1:]) <= _SPARK_CHARS:
        raise InvalidInput(
            "A Spark Ads code has only letters, digits and + / = characters after the #. "
            + SPARK_CODE_HELP,
            field="spark_code",
        )
    choices = ", ".join(str(d) for d in SPARK_DURATIONS_DAYS)
    try:
        duration = int(days)
    except ValueError:
        duration = 0
    if duration not in SPARK_DURATIONS_DAYS:
        raise InvalidInput(
            f"Choose how long the code works: {choices} days (as chosen in TikTok).",
            field="spark_days",
        )
    return text, duration
