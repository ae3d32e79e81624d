"""How a mention looks on a card (Feed and a creator's page), and the Feed's other display rows.

Plain text only: captions, handles and notes are shown as text by React, never as HTML.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from archive_app import paths
from archive_app.services.mentions.feed import RIGHTS_LABELS, FeedFilter, MentionRow
from archive_app.services.mentions.feed_overview import DayCount, SourceOption
from archive_app.states.args import BadEventArgs, text_arg

FORM_FIELDS = ("source", "from", "to", "rights", "q")
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


def card_view(row: MentionRow) -> CardView:
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
        posted=row.posted_at.strftime("%b %-d, %Y"),
        found_by=f"Found by {found}" if found else "",
        rights_status=row.rights_status,
        rights_label=RIGHTS_LABELS.get(row.rights_status, ""),
    )


def chart_points(days: tuple[DayCount, ...]) -> list[dict[str, Any]]:
    return [{"day": d.day.strftime("%b %-d"), "mentions": d.count} for d in days]


def chart_summary(days: tuple[DayCount, ...], clipped: bool) -> str:
    if not days:
        return ""
    total = sum(d.count for d in days)
    first, last = days[0].day.strftime("%b %-d, %Y"), days[-1].day.strftime("%b %-d, %Y")
    text = f"{total} mention{'' if total == 1 else 's'} between {first} and {last}"
    return text + (" (the chart shows the last 92 days of the range)." if clipped else ".")


def source_choices(options: tuple[SourceOption, ...]) -> list[OptionView]:
    return [
        OptionView(ANY, "Every source"),
        *(OptionView(str(o.source_id), o.label) for o in options),
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
    for name in ("source", "rights"):
        values[name] = values[name] or ANY
    return values
