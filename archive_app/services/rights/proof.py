"""Proof of a creator's answer: written once by ``portal.answer``, read by members only.

``RightsProof`` rows are never updated: no service here or elsewhere edits one. The proof page
(``/rights/<id>/proof``) reads it through ``proof_for``, which checks that the viewer is a
member of the request's workspace; a request of another workspace is "not found".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from archive_app import dates, paths
from archive_app.mail.rights_messages import rights_answer_message
from archive_app.models.mentions import Creator
from archive_app.models.rights import RightsRequest, RightsScope, RightsStatus
from archive_app.models.rights_proof import RightsProof
from archive_app.models.workspaces import User
from archive_app.services import outbox
from archive_app.services.errors import NotFound
from archive_app.services.team import is_member, require_member

NO_PROOF = "There is no proof for that request in this workspace."
IDENTIFIED = {
    "tiktok_account": "TikTok account verified",
    "link_only": "Link only (no TikTok login was set up)",
}


class VideoShown(Protocol):
    @property
    def video_id(self) -> str: ...
    @property
    def caption(self) -> str: ...
    @property
    def posted_at(self) -> datetime: ...
    @property
    def url(self) -> str: ...
    @property
    def cover_name(self) -> str: ...


def videos_json(videos: Sequence[VideoShown]) -> str:
    return json.dumps(
        [
            {
                "video_id": v.video_id,
                "caption": v.caption,
                "posted_at": v.posted_at.isoformat(),
                "url": v.url,
                "cover": v.cover_name,  # Archive's copy (media store), as shown
            }
            for v in videos
        ],
        ensure_ascii=False,
    )


def mail_requester(
    session: Session, *, request: RightsRequest, handle: str, now: datetime, base_url: str
) -> None:
    """Tell the member who asked (if they still are one): once per request (dedupe key)."""
    user_id = request.requested_by_id
    if user_id is None or not is_member(
        session, workspace_id=request.workspace_id, user_id=user_id
    ):
        return
    user = session.get(User, user_id)
    if user is None:
        return
    base = base_url.rstrip("/")
    message = rights_answer_message(
        to=user.email,
        handle=handle,
        approved=request.status == RightsStatus.approved,
        spark=request.scope == RightsScope.spark_code,
        note=request.response_note,
        proof_url=f"{base}{paths.rights_proof(request.id or 0)}",
        manage_url=f"{base}{paths.RIGHTS}",
    )
    outbox.enqueue(
        session,
        message=message,
        dedupe_key=f"rights-answer:{request.id}",
        now=now,
        workspace_id=request.workspace_id,
    )


@dataclass(frozen=True)
class ProofVideo:
    video_id: str
    caption: str
    posted: str  # "Dec 2, 2026"
    url: str


@dataclass(frozen=True)
class ProofView:
    request_id: int
    creator_handle: str
    decision: str  # "Approved" | "Declined"
    answered_at: datetime
    message: str
    terms_version: int | None
    terms_url: str
    terms_text: str
    videos: list[ProofVideo]
    note: str
    ip: str
    user_agent: str
    identified_by: str  # words (IDENTIFIED)
    tiktok_username: str
    tiktok_open_id: str
    scope: str
    spark_duration_days: int | None


def proof_for(session: Session, *, workspace_id: int, user_id: int, request_id: int) -> ProofView:
    """The proof of one answered request of the viewer's workspace (NotFound otherwise)."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    request = session.get(RightsRequest, request_id)
    row = session.get(RightsProof, request_id) if request is not None else None
    if request is None or request.workspace_id != workspace_id or row is None:
        raise NotFound(NO_PROOF)
    creator = session.get(Creator, request.creator_id)
    videos = [
        ProofVideo(
            video_id=str(v.get("video_id", "")),
            caption=str(v.get("caption", "")),
            posted=_day(str(v.get("posted_at", ""))),
            url=str(v.get("url", "")),
        )
        for v in json.loads(row.videos_json or "[]")
    ]
    return ProofView(
        request_id=request_id,
        creator_handle=creator.handle if creator else "",
        decision="Approved" if row.decision == RightsStatus.approved else "Declined",
        answered_at=row.answered_at,
        message=row.message,
        terms_version=row.terms_version,
        terms_url=row.terms_url,
        terms_text=row.terms_text,
        videos=videos,
        note=row.note,
        ip=row.ip,
        user_agent=row.user_agent,
        identified_by=IDENTIFIED.get(row.identified_by, row.identified_by),
        tiktok_username=row.tiktok_username,
        tiktok_open_id=row.tiktok_open_id,
        scope=request.scope,
        spark_duration_days=row.spark_duration_days,
    )


def _day(iso: str) -> str:
    try:
        return dates.day(datetime.fromisoformat(iso))
    except ValueError:
        return iso
