"""What the "Looking for usage rights?" window shows, and the checks every request starts with.

The mentions a browser names are looked up within the viewer's workspace only: an id from
another workspace is "not found", never "not yours". One request asks one creator.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from archive_app import dates
from archive_app.integrations.tiktok.kinds import sending_kinds
from archive_app.models.mentions import Creator, Mention
from archive_app.models.rights import RightsDefault, RightsRequest, RightsStatus
from archive_app.models.sources import Source, SourceStatus
from archive_app.services.errors import InvalidInput, NotFound
from archive_app.services.media.avatars import avatar_url
from archive_app.services.rights.link import answer_block
from archive_app.services.team import require_member

# The longest message Archive sends as one TikTok DM, links included (README "Usage rights").
MESSAGE_LIMIT = 1000
# How many videos of one creator one request may cover.
MAX_VIDEOS = 20

STARTER_MESSAGE = (
    "Hi! We love this video and would like to share it with our audience.\n\n"
    "Why: it shows our product the way our customers really use it.\n"
    "How we plan to use it: on our brand's social media accounts, website and online ads, "
    "always crediting you as the creator.\n"
    "Other details: we won't edit your content beyond cropping it to fit each channel.\n\n"
    "The rights we are asking for cover all digital media unless stated otherwise. "
    "Reply to this message to say yes, or to ask us anything."
)


def starter_message(videos: int) -> str:
    """The first message, for the number of videos the request covers."""
    if videos == 1:
        return STARTER_MESSAGE
    return STARTER_MESSAGE.replace(
        "this video and would like to share it", "these videos and would like to share them"
    ).replace("it shows our product", "they show our product")


# A request in one of these states is "open": asking again would send a second DM.
OPEN = (RightsStatus.in_queue.value, RightsStatus.requested.value)
CLOSED = (RightsStatus.approved.value, RightsStatus.declined.value)
LABELS = {
    RightsStatus.in_queue.value: "In Queue",
    RightsStatus.requested.value: "Requested",
    RightsStatus.approved.value: "Approved",
    RightsStatus.declined.value: "Declined",
}
NO_VIDEO = "That video is no longer in this workspace. Reload the page."


@dataclass(frozen=True)
class SenderOption:
    source_id: int
    handle: str
    avatar_url: str


@dataclass(frozen=True)
class RequestWindow:
    mention_ids: list[int]
    creator_handle: str
    creator_name: str
    links: list[str]
    message: str
    is_default: bool
    senders: list[SenderOption]  # active TikTok Account v.1 sources, oldest first
    brand_handle: str  # who the preview shows as the sender
    brand_avatar: str


def dm_text(message: str, links: Sequence[str], answer_url: str = "") -> str:
    """The DM as the creator receives it: the message, then the videos' links as plain text,
    then the request's own link (``link.py``) with the line saying to copy it."""
    message = message.strip()
    text = message + ("\n\n" + "\n".join(links) if links else "")
    return text + ("\n\n" + answer_block(answer_url) if answer_url else "")


def check_message(message: str, links: Sequence[str], answer_url: str = "") -> str:
    """The message to send, or InvalidInput (field ``message``) saying what to change."""
    text = message.replace("\r\n", "\n").strip()
    if not text:
        raise InvalidInput("Write a message to the creator first.", field="message")
    # Control characters (NUL, ESC, ...) are nothing a person types: TikTok's DM would carry
    # them raw, and PostgreSQL refuses a NUL in text. Newline and tab are ordinary text.
    bad = next((ch for ch in text if ch not in "\n\t" and unicodedata.category(ch) == "Cc"), None)
    if bad is not None:
        raise InvalidInput(
            f"The message has a character that can't be sent (U+{ord(bad):04X}). "
            "Remove it and try again.",
            field="message",
        )
    over = len(dm_text(text, links, answer_url)) - MESSAGE_LIMIT
    if over > 0:
        raise InvalidInput(
            f"A TikTok message from Archive can be at most {MESSAGE_LIMIT:,} characters, links "
            f"included. Shorten it by {over:,} characters.",
            field="message",
        )
    return text


def load_mentions(
    session: Session, *, workspace_id: int, mention_ids: Sequence[int]
) -> tuple[Creator, list[Mention]]:
    """The named mentions of this workspace, all of one creator, in the order given."""
    ids = list(dict.fromkeys(mention_ids))
    if not ids:
        raise InvalidInput("Choose at least one video.")
    if len(ids) > MAX_VIDEOS:
        raise InvalidInput(f"One request can cover at most {MAX_VIDEOS} videos.")
    rows = session.exec(
        select(Mention).where(Mention.workspace_id == workspace_id, col(Mention.id).in_(ids))
    ).all()
    by_id = {m.id: m for m in rows}
    if len(by_id) != len(ids):
        raise NotFound(NO_VIDEO)
    mentions = [by_id[i] for i in ids]
    if len({m.creator_id for m in mentions}) != 1:
        raise InvalidInput("One request asks one creator: choose videos of one creator only.")
    creator = session.get(Creator, mentions[0].creator_id)
    if creator is None or creator.workspace_id != workspace_id:
        raise NotFound(NO_VIDEO)
    return creator, mentions


def check_not_requested(session: Session, *, mentions: Sequence[Mention]) -> None:
    """Refuse content whose request is closed (Approved / Declined) or still open."""
    request_ids = {m.rights_request_id for m in mentions if m.rights_request_id}
    if not request_ids:
        return
    existing = session.exec(
        select(RightsRequest).where(col(RightsRequest.id).in_(request_ids))
    ).all()
    which = "this video" if len(mentions) == 1 else "one of these videos"
    for request in sorted(existing, key=lambda r: r.status in OPEN):
        label = LABELS.get(request.status, request.status)
        if request.status in CLOSED:
            raise InvalidInput(f"Usage rights for {which} are already {label}. See Manage Rights.")
        raise InvalidInput(
            f"You already asked for {which} on {dates.day(request.created_at)}; that request "
            f"is still open ({label}). See Manage Rights, where you can copy or retry it.",
        )


def active_senders(session: Session, *, workspace_id: int) -> list[SenderOption]:
    """The workspace's TikTok Account v.1 sources that can send DMs now."""
    rows = session.exec(
        select(Source)
        .where(
            Source.workspace_id == workspace_id,
            col(Source.kind).in_(sending_kinds()),
            col(Source.status).in_([SourceStatus.active.value, SourceStatus.degraded.value]),
        )
        .order_by(col(Source.id))
    ).all()
    return [SenderOption(s.id or 0, s.handle, avatar_url(s.avatar_key)) for s in rows]


def default_message(session: Session, *, workspace_id: int) -> str | None:
    row = session.get(RightsDefault, workspace_id)
    return row.message if row and row.message else None  # "": only a Spark default is saved


def request_window(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    mention_ids: Sequence[int],
    check_requested: bool = True,
) -> RequestWindow:
    """Everything the window needs; refuses what could not be submitted anyway (a Spark
    request, ``check_requested=False``, checks its video itself: spark.spark_window)."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    creator, mentions = load_mentions(session, workspace_id=workspace_id, mention_ids=mention_ids)
    if check_requested:
        check_not_requested(session, mentions=mentions)
    saved = default_message(session, workspace_id=workspace_id)
    senders = active_senders(session, workspace_id=workspace_id)
    brand = senders[0] if senders else _any_source(session, workspace_id=workspace_id)
    return RequestWindow(
        mention_ids=[m.id or 0 for m in mentions],
        creator_handle=creator.handle,
        creator_name=creator.display_name or creator.handle,
        links=[m.url for m in mentions if m.url],
        message=saved if saved is not None else starter_message(len(mentions)),
        is_default=saved is not None,
        senders=senders,
        brand_handle=brand.handle if brand else "",
        brand_avatar=brand.avatar_url if brand else "",
    )


def _any_source(session: Session, *, workspace_id: int) -> SenderOption | None:
    source = session.exec(
        select(Source).where(Source.workspace_id == workspace_id).order_by(col(Source.id))
    ).first()
    if source is None:
        return None
    return SenderOption(source.id or 0, source.handle, avatar_url(source.avatar_key))
