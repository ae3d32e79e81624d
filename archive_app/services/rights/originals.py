"""The creator's original video, given on their page after approving (issue 22, item 4).

Only for a request that is approved by an answer on this link (its proof says so, not a
status a member set by hand), not withdrawn, answered by the same creator the page asks for
(with Login Kit: the request's @handle), and only once: a second file replaces nothing.
:func:`target` says whether an upload may start, before its bytes are read; :func:`record`
writes the row once the file is in the store (``services/media/originals.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from archive_app.models.media import MediaKind, MediaObject
from archive_app.models.mentions import Creator
from archive_app.models.rights import RightsRequest, RightsStatus
from archive_app.models.rights_proof import RightsProof
from archive_app.services.errors import InvalidInput, NotFound, ServiceError
from archive_app.services.media.originals import Stored, original_of
from archive_app.services.rights.portal import GONE, Identity, check_identity, find
from archive_app.services.rights.send import add_event

RECEIVED_DETAIL = "Original video received from the creator"
ALREADY = (
    "We already have your original video for this request, thank you. A second file "
    "replaces nothing; to send a different one, ask the brand."
)
NOT_APPROVED = "You can add the original video only after approving the request on this page."


class AlreadyReceived(ServiceError):
    """This request has its original: the new file is not kept."""


@dataclass(frozen=True)
class Target:
    request_id: int
    workspace_id: int


def target(session: Session, *, token: str, identity: Identity, login_required: bool) -> Target:
    """Where this link's original goes. Raises NotFound (wrong link), InvalidInput (not
    approved here, withdrawn, wrong TikTok account) or AlreadyReceived."""
    request = find(session, token=token)
    if request is None:
        raise NotFound(GONE)
    if request.withdrawn_at is not None:
        raise InvalidInput("The brand withdrew this request: there is nothing to send.")
    creator = session.get(Creator, request.creator_id)
    check_identity(
        identity, handle=creator.handle if creator else "", login_required=login_required
    )
    proof = session.get(RightsProof, request.id)
    approved = request.status == RightsStatus.approved
    if not approved or proof is None or proof.decision != RightsStatus.approved:
        raise InvalidInput(NOT_APPROVED)
    if original_of(session, request_id=request.id or 0) is not None:
        raise AlreadyReceived(ALREADY)
    return Target(request.id or 0, request.workspace_id)


def record(session: Session, *, target: Target, stored: Stored, now: datetime) -> str:
    """Keep the stored file as the request's original; returns the key that is now the
    original (another upload's, if one won the race: the caller then deletes its own file)."""
    won = original_of(session, request_id=target.request_id)
    if won is not None:
        return won.key
    session.add(
        MediaObject(
            workspace_id=target.workspace_id,
            kind=MediaKind.original,
            key=stored.key,
            content_type=stored.content_type,
            size_bytes=stored.size_bytes,
            sha256=stored.sha256,
            request_id=target.request_id,
            created_at=now,
        )
    )
    try:
        session.flush()
    except IntegrityError:  # two uploads at once: the unique index on request_id decided
        session.rollback()
        return kept_key(session, request_id=target.request_id)
    request = session.get(RightsRequest, target.request_id)
    if request is not None:
        add_event(session, request, now=now, detail=RECEIVED_DETAIL, user_id=None)
    return stored.key


def kept_key(session: Session, *, request_id: int) -> str:
    won = original_of(session, request_id=request_id)
    return won.key if won else ""
