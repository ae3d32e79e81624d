"""Spark Ads codes: `Request Spark Ads Code` asks one creator for the code of one TikTok video,
for one of the durations TikTok offers (``SPARK_DURATIONS_DAYS``).

A Spark request does not claim its video the way a usage-rights request does
(``Mention.rights_request_id`` is the Feed's usage-rights badge): a video can have both. One
open Spark request per video; after an answer, or after the code expired, it can be asked again.
When the creator approves (the creator's page), the code is kept encrypted
(``spark_code_enc``) with ``spark_expires_at``; Manage Rights shows it decrypted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import exists
from sqlmodel import Session, col, select

from archive_app import dates
from archive_app.crypto import TokenCipher
from archive_app.models.mentions import Mention
from archive_app.models.rights import (
    SPARK_DURATIONS_DAYS,
    RightsDefault,
    RightsRequest,
    RightsRequestMention,
    RightsScope,
)
from archive_app.services.errors import InvalidInput, NotFound
from archive_app.services.rights.query import OPEN, RequestWindow, load_mentions, request_window

SPARK_STARTER_MESSAGE = (
    "Hi! We love this video and would like to boost it as a Spark Ad from our brand's "
    "TikTok account, shown as your post with your handle.\n\n"
    "Could you send us its Spark Ads code? In the TikTok app: open the video, tap ⋯ → "
    "Ad settings, turn on ad authorization, choose the duration we ask for, and copy the code.\n\n"
    "Open the link below to send it to us, or to ask us anything."
)
DEFAULT_SPARK_DAYS = 30


def check_scope(scope: str, duration_days: int | None) -> tuple[RightsScope, int | None]:
    """The scope and, for a Spark request, its duration; InvalidInput for anything else."""
    try:
        chosen = RightsScope(scope)
    except ValueError:
        raise InvalidInput("Choose Usage Rights or Spark Code.") from None
    if chosen is RightsScope.usage_rights:
        return chosen, None
    if duration_days not in SPARK_DURATIONS_DAYS:
        days = ", ".join(str(d) for d in SPARK_DURATIONS_DAYS)
        raise InvalidInput(
            f"Choose a Spark Ads Code Duration: {days} days.", field="spark_duration"
        )
    return chosen, duration_days


def check_spark_video(session: Session, *, mentions: Sequence[Mention]) -> None:
    """One TikTok video, with no Spark request open for it already."""
    if len(mentions) != 1:
        raise InvalidInput("A Spark Ads Code request asks for one video. Choose one.")
    mention = mentions[0]
    if not mention.video_id or "tiktok.com/" not in (mention.url or "tiktok.com/"):
        raise InvalidInput("Spark Ads codes exist for TikTok videos only.")
    open_spark = session.exec(
        select(RightsRequest.created_at).where(
            col(RightsRequest.scope) == RightsScope.spark_code.value,
            col(RightsRequest.status).in_(OPEN),
            col(RightsRequest.withdrawn_at).is_(None),
            exists().where(
                col(RightsRequestMention.request_id) == RightsRequest.id,
                col(RightsRequestMention.mention_id) == mention.id,
            ),
        )
    ).first()
    if open_spark is not None:
        raise InvalidInput(
            f"You already asked for this video's Spark Ads code on {dates.day(open_spark)}. "
            "See Manage Rights."
        )


def spark_window(
    session: Session, *, workspace_id: int, user_id: int, mention_ids: Sequence[int]
) -> RequestWindow:
    """The window of `Request Spark Ads Code` (or `Request again`): one TikTok video, and the
    workspace's Spark default message."""
    window = request_window(
        session,
        workspace_id=workspace_id,
        user_id=user_id,
        mention_ids=mention_ids,
        check_requested=False,
    )
    _creator, mentions = load_mentions(session, workspace_id=workspace_id, mention_ids=mention_ids)
    check_spark_video(session, mentions=mentions)
    saved = default_spark_message(session, workspace_id=workspace_id)
    return replace(
        window,
        message=saved if saved is not None else SPARK_STARTER_MESSAGE,
        is_default=saved is not None,
    )


def default_spark_message(session: Session, *, workspace_id: int) -> str | None:
    row = session.get(RightsDefault, workspace_id)
    return row.spark_message if row else None


def save_spark_default(
    session: Session, *, workspace_id: int, user_id: int, text: str, now: datetime
) -> None:
    """Save as Default Message in the Spark window: its own default, beside the other one."""
    row = session.get(RightsDefault, workspace_id) or RightsDefault(
        workspace_id=workspace_id, message="", updated_at=now
    )
    row.spark_message, row.updated_at, row.updated_by_id = text, now, user_id
    session.add(row)


def show_code(cipher: TokenCipher, encrypted: str | None) -> str:
    """The code as Manage Rights shows and copies it ("" when none, or unreadable)."""
    if not encrypted:
        return ""
    try:
        return cipher.decrypt(encrypted)
    except ValueError:  # a key rotated away: say nothing rather than break the table
        return ""


def is_expired(expires_at: datetime | None, *, now: datetime) -> bool:
    return expires_at is not None and expires_at <= now


def again_window(
    session: Session, *, workspace_id: int, user_id: int, request_id: int
) -> tuple[RequestWindow, int]:
    """`Request again` on an expired code: the window for the same video, with the message
    and duration of the request before (and the days to preselect)."""
    request = session.get(RightsRequest, request_id)
    if (
        request is None
        or request.workspace_id != workspace_id
        or request.scope != RightsScope.spark_code
    ):
        raise NotFound("That request is no longer in this workspace.")
    mention_ids = session.exec(
        select(RightsRequestMention.mention_id).where(RightsRequestMention.request_id == request_id)
    ).all()
    window = spark_window(
        session, workspace_id=workspace_id, user_id=user_id, mention_ids=list(mention_ids)
    )
    days = request.spark_duration_days or DEFAULT_SPARK_DAYS
    return replace(window, message=request.message, is_default=False), days
