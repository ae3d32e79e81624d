"""The creator's page (``/r/<token>``): what it shows, and the creator's answer, recorded once.

The page needs no Archive account. The token is the request's link (``link.py``); only its
SHA-256 is looked up, and an unknown token is ``None`` (the route shows the same "not found"
page for every wrong token). Nothing here reads another request of the workspace.

An answer is recorded once: one conditional ``UPDATE ... WHERE status IN (open) AND
withdrawn_at IS NULL`` decides, so a double submit, a replay or two tabs give one outcome; the
loser changes nothing and is shown the outcome that won. The winner, in the same unit of work,
writes the proof (``proof.py``), an event ("Answered by the creator"), ``RightsChanged`` (open
tabs update) and the email to the member who asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col, select

from archive_app import events
from archive_app.crypto import TokenCipher
from archive_app.models.mentions import Creator, Mention
from archive_app.models.rights import (
    RightsRequest,
    RightsRequestMention,
    RightsScope,
    RightsStatus,
)
from archive_app.models.rights_proof import RightsProof
from archive_app.models.rights_terms import CustomTerms
from archive_app.models.workspaces import Workspace
from archive_app.services.errors import InvalidInput, NotFound, WrongAccount
from archive_app.services.media import covers
from archive_app.services.media.originals import original_of
from archive_app.services.rights import proof
from archive_app.services.rights.answer_checks import (
    check_note,
    check_spark,
)
from archive_app.services.rights.link import token_hash
from archive_app.services.rights.query import OPEN
from archive_app.services.rights.send import add_event, sync_mentions

ANSWERED_DETAIL = "Answered by the creator"
GONE = "This link is not valid. Check that you copied all of it from the message."


class PageState(StrEnum):
    open = "open"
    approved = "approved"
    declined = "declined"
    withdrawn = "withdrawn"


@dataclass(frozen=True)
class PortalVideo:
    video_id: str
    caption: str
    posted_at: datetime
    url: str
    # The name of Archive's copy of the cover ("" until kept): the page shows it from
    # /r/<token>/covers/<name> (browsers never load TikTok's images).
    cover_name: str


@dataclass(frozen=True)
class PortalTerms:
    terms_id: int
    version: int
    url: str
    text: str


@dataclass(frozen=True)
class PortalView:
    request_id: int
    brand: str
    creator_handle: str
    message: str
    videos: list[PortalVideo]
    scope: str
    spark_duration_days: int | None
    terms: PortalTerms | None
    state: PageState
    responded_at: datetime | None
    note: str
    spark_expires_at: datetime | None
    # The creator's original video (issue 22, item 4), once received; whether the answer was
    # given on this page (only then may the creator add one).
    original_at: datetime | None = None
    original_size: int = 0
    answered_here: bool = False

    @property
    def is_spark(self) -> bool:
        return self.scope == RightsScope.spark_code


@dataclass(frozen=True)
class Identity:
    """How the creator was identified: ``tiktok_account`` (Login Kit said who) or
    ``link_only`` (no Login Kit app for creators is configured)."""

    identified_by: str
    open_id: str = ""
    username: str = ""


LINK_ONLY = Identity("link_only")


@dataclass(frozen=True)
class Answer:
    decision: str  # "approve" | "decline"
    note: str = ""
    spark_code: str = ""
    spark_days: str = ""


@dataclass(frozen=True)
class Client:
    ip: str
    user_agent: str


@dataclass(frozen=True)
class Answered:
    status: str
    recorded: bool  # False: an earlier answer (another tab, a replay) had already won


def find(session: Session, *, token: str) -> RightsRequest | None:
    """The request of this link, or None. Always exactly one indexed lookup by hash."""
    digest = token_hash(token[:200])
    return session.exec(select(RightsRequest).where(RightsRequest.link_hash == digest)).first()


def view(session: Session, *, token: str) -> PortalView | None:
    request = find(session, token=token)
    return None if request is None else view_of(session, request)


def view_of(session: Session, request: RightsRequest) -> PortalView:
    workspace = session.get(Workspace, request.workspace_id)
    creator = session.get(Creator, request.creator_id)
    terms = session.get(CustomTerms, request.terms_id) if request.terms_id else None
    original = original_of(session, request_id=request.id or 0)
    if request.withdrawn_at is not None:
        state = PageState.withdrawn
    elif request.status in (RightsStatus.approved, RightsStatus.declined):
        state = PageState(request.status)
    else:
        state = PageState.open
    return PortalView(
        request_id=request.id or 0,
        brand=workspace.name if workspace else "",
        creator_handle=creator.handle if creator else "",
        message=request.message,
        videos=videos_of(session, request_id=request.id or 0),
        scope=request.scope,
        spark_duration_days=request.spark_duration_days,
        terms=(PortalTerms(terms.id or 0, terms.version, terms.url, terms.text) if terms else None),
        state=state,
        responded_at=request.responded_at,
        note=request.response_note,
        spark_expires_at=request.spark_expires_at,
        original_at=original.created_at if original else None,
        original_size=original.size_bytes if original else 0,
        answered_here=session.get(RightsProof, request.id) is not None,
    )


def videos_of(session: Session, *, request_id: int) -> list[PortalVideo]:
    rows = session.exec(
        select(Mention)
        .join(RightsRequestMention, col(RightsRequestMention.mention_id) == Mention.id)
        .where(RightsRequestMention.request_id == request_id)
        .order_by(col(Mention.posted_at))
    ).all()
    names = {
        mention_id: url.rsplit("/", 1)[-1]
        for mention_id, url in covers.cover_urls(session, [m.id or 0 for m in rows]).items()
    }
    return [
        PortalVideo(m.video_id, m.caption, m.posted_at, m.url, names.get(m.id or 0, ""))
        for m in rows
    ]


def same_account(identity: Identity, handle: str) -> bool:
    return identity.username.strip().lstrip("@").lower() == handle.strip().lstrip("@").lower()


def check_identity(identity: Identity, *, handle: str, login_required: bool) -> None:
    if identity.identified_by != "tiktok_account":
        if login_required:
            raise InvalidInput("Continue with TikTok first, so the brand knows it is you.")
        return
    if not same_account(identity, handle):
        raise WrongAccount(
            f"You are logged in to TikTok as @{identity.username}, but this request was sent "
            f"to @{handle}. Only @{handle} can answer it: continue with TikTok as @{handle}."
        )


def answer(
    session: Session,
    *,
    token: str,
    given: Answer,
    identity: Identity,
    login_required: bool,
    client: Client,
    now: datetime,
    cipher: TokenCipher,
    base_url: str,
) -> Answered:
    """Approve or Decline, once. Raises NotFound for a wrong link, InvalidInput (nothing
    changed) for a bad answer, a withdrawn request or the wrong TikTok account."""
    request = find(session, token=token)
    if request is None:
        raise NotFound(GONE)
    if request.withdrawn_at is not None:
        raise InvalidInput("The brand withdrew this request: there is nothing to answer.")
    creator = session.get(Creator, request.creator_id)
    handle = creator.handle if creator else ""
    check_identity(identity, handle=handle, login_required=login_required)
    if given.decision not in ("approve", "decline"):
        raise InvalidInput("Choose Approve or Decline.")
    status = RightsStatus.approved if given.decision == "approve" else RightsStatus.declined
    note = check_note(given.note)
    values: dict[str, object] = {
        "status": status.value,
        "responded_at": now,
        "updated_at": now,
        "response_note": note,
        "next_attempt_at": None,
    }
    duration: int | None = None
    if status is RightsStatus.approved and request.scope == RightsScope.spark_code:
        code, duration = check_spark(given.spark_code, given.spark_days)
        values["spark_code_enc"] = cipher.encrypt(code)
        values["spark_expires_at"] = now + timedelta(days=duration)
    shown = view_of(session, request)  # what the creator saw, before it changes
    won = session.execute(
        update(RightsRequest)
        .where(
            col(RightsRequest.id) == request.id,
            col(RightsRequest.status).in_(OPEN),
            col(RightsRequest.withdrawn_at).is_(None),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(request)
        return Answered(request.status, recorded=False)
    session.refresh(request)
    sync_mentions(session, request)
    add_event(session, request, now=now, detail=ANSWERED_DETAIL, user_id=None)
    session.add(
        RightsProof(
            request_id=request.id or 0,
            decision=status.value,
            answered_at=now,
            message=shown.message,
            terms_id=shown.terms.terms_id if shown.terms else None,
            terms_version=shown.terms.version if shown.terms else None,
            terms_url=shown.terms.url if shown.terms else "",
            terms_text=shown.terms.text if shown.terms else "",
            videos_json=proof.videos_json(shown.videos),
            note=note,
            ip=client.ip[:64],
            user_agent=client.user_agent[:500],
            identified_by=identity.identified_by,
            tiktok_open_id=identity.open_id[:128],
            tiktok_username=identity.username[:64],
            spark_duration_days=duration,
        )
    )
    events.record(session, events.RightsChanged(workspace_id=request.workspace_id))
    proof.mail_requester(session, request=request, handle=handle, now=now, base_url=base_url)
    return Answered(status.value, recorded=True)
