"""The Feed's "Removed from TikTok" filter (issue 22, item 3): every video (the default), only
those still on TikTok (``removed=hide``), or only the removed ones (``removed=only``)."""

from __future__ import annotations

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from archive_app.models.mentions import Mention

REMOVED_CHOICES = {"hide": "Hide them", "only": "Only these"}


def parse_removed(raw: str) -> tuple[str, list[str]]:
    """The filter's value from a URL, and a note when it had to be ignored."""
    if not raw or raw in REMOVED_CHOICES:
        return raw, []
    return "", ["The removed-videos choice in the link is not one Archive knows; ignored."]


def removed_conditions(removed: str) -> list[ColumnElement[bool]]:
    if removed == "hide":
        return [col(Mention.removed_at).is_(None)]
    if removed == "only":
        return [col(Mention.removed_at).is_not(None)]
    return []
