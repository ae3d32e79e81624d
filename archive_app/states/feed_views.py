"""How a mention looks on a card (Feed and a creator's page), and the Feed's other display rows.

Plain text only: captions, handles and notes are shown as text by React, never as HTML.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from archive_app import dates, paths
from archive_app.services.mentions import feed_removed
from archive_app.services.mentions.feed import RIGHTS_LABELS, FeedFilter, MentionRow
from archive_app.services.mentions.feed_overview import DayCount, SourceOption
from archive_app.states.args import BadEventArgs, text_arg

FORM_FIELDS = ("source", "from", "to", "rights", "q", "removed")
ANY = "any"  # the selects' "no filter" value (a Radix/HTML option needs a non-empty value)


@dataclass
class CardView:
    id: int = 0
    creator_id: int = 0
    creator_handle: str = ""
    creator_href: str = ""
    caption: str = ""
    thumbnail_url: str = ""
    url: str = ""
    views: str = ""
    likes: str = ""
    comments: str = ""
    shares: str = ""
    posted: str = ""
    found_by: str = ""
    rights_status: str = ""
    rights_label: str = ""
    # "Removed from TikTok on Dec 6, 2026" ("" while it is there); the player's address (Play).
    removed: str = ""
    player_url: str = ""
    original_url: str = ""  # `Download original` (approved, the creator gave the file)


@dataclass
class OptionView:
    value: str = ""
    label: str = ""


def compact(n: int) -> str:
    """1234 → "1.2K": counts as people read them on TikTok."""
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if n >= size:
            text = f"{n / size:.1f}".removesuffix(".0")
            return f"{text}{suffix}"
    return str(n)


def card_view(row: MentionRow, *, embed_url: str = "") -> CardView:
    """``embed_url``: TikTok's embed player (``Settings.tiktok_embed_url``), the video id added."""
    found = ", ".join(f"@{f.handle} ({f.kind_name})" for f in row.found_by)
    return CardView(
        id=row.id,
        creator_id=row.creator_id,
        creator_handle=row.creator_handle,
        creator_href=paths.creator(row.creator_handle),
        caption=row.caption,
        thumbnail_url=row.thumbnail_url,
        url=row.url,
        views=compact(row.views),
        likes=compact(row.likes),
        comments=compact(row.comments),
        shares=compact(row.shares),
        posted=dates.day(row.posted_at),
        found_by=f"Found by {found}" if found else "",
        rights_status=row.rights_status,
        rights_label=RIGHTS_LABELS.get(row.rights_status, ""),
        removed=removed_text(row.removed_at),
        # A video removed from TikTok cannot be played: no Play.
        player_url="" if row.removed_at else player_url(embed_url, row.video_id),
        original_url=row.original_url,
    )


def removed_text(removed_at: datetime | None) -> str:
    return f"Removed from TikTok on {dates.day(removed_at)}" if removed_at else ""


def player_url(embed_url: str, video_id: str) -> str:
    """TikTok's embed player for the video (https://www.tiktok.com/embed/v2/<video id>)."""
    return f"{embed_url}{quote(video_id, safe='')}" if embed_url and video_id else ""


def chart_points(days: tuple[DayCount, ...]) -> list[dict[str, Any]]:
    return [{"day": dates.month_day(d.day), "mentions": d.count} for d in days]


def mentions_text(total: int) -> str:
    """The list's total, as the page says it above the chart: "36 mentions"."""
    return f"{total:,} mention{'' if total == 1 else 's'}"


def chart_summary(days: tuple[DayCount, ...], total: int) -> str:
    """What range the chart covers and how many of the list's mentions fall in it."""
    if not days:
        return ""
    shown = sum(d.count for d in days)
    first, last = days[0].day, days[-1].day
    start = dates.month_day(first) if first.year == last.year else dates.day(first)
    span = f"{start} to {dates.day(last)}"
    if first == last:
        span = dates.day(last)
    if shown == total:
        part = "the one mention" if total == 1 else f"all {total:,} mentions"
    else:
        part = f"{shown:,} of the {mentions_text(total)}"
    return f"The chart shows {span}: {part}."


def source_choices(options: tuple[SourceOption, ...]) -> list[OptionView]:
    return [
        OptionView(ANY, "Every source"),
        *(OptionView(str(o.source_id), o.label) for o in options),
    ]


REMOVED_CHOICES = [
    OptionView(ANY, "Show them too"),
    *(OptionView(code, label) for code, label in feed_removed.REMOVED_CHOICES.items()),
]
RIGHTS_CHOICES = [
    OptionView(ANY, "Any status"),
    OptionView("none", "No request"),
    *(OptionView(code, label) for code, label in RIGHTS_LABELS.items()),
]


def form_query(form: Any) -> dict[str, str]:
    """The filter form's fields as the URL query the page then loads (checked at the edge)."""
    if not isinstance(form, Mapping):
        raise BadEventArgs(f"expected the filter form, got {type(form).__name__}")
    values = {name: text_arg(form.get(name, ""), limit=200) for name in FORM_FIELDS}
    return {k: v for k, v in values.items() if v and v != ANY}


def form_defaults(filters: FeedFilter) -> dict[str, str]:
    """What the filter form shows: the filter in force (the selects' "any" when none)."""
    query = filters.query()
    values = {name: query.get(name, "") for name in FORM_FIELDS}
    for name in ("source", "rights", "removed"):
        values[name] = values[name] or ANY
    return values
