"""Manage Rights' `Set status`: a person marks a request Approved, Declined or Requested."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from archive_app.models.rights import RightsRequest, RightsStatus
from archive_app.services.errors import InvalidInput
from archive_app.services.rights.manage import get_request
from archive_app.services.rights.send import add_event, sync_mentions
from archive_app.services.team import require_member

MANUAL = {
    RightsStatus.approved.value: "Marked as Approved",
    RightsStatus.declined.value: "Marked as Declined",
    RightsStatus.requested.value: "Marked as Requested (sent outside Archive)",
}


def set_status(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    request_id: int,
    status: str,
    now: datetime,
) -> RightsRequest:
    """Mark a request Approved / Declined / Requested by hand (the creator answered, or you
    sent it yourself), with who and when. Archive sends nothing for it afterwards."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    if status not in MANUAL:
        raise InvalidInput("Choose a status from the list.", field="status")
    request = get_request(session, workspace_id=workspace_id, request_id=request_id)
    if request.status == status:
        return request
    request.status = status
    request.status_set_by_id, request.status_set_at = user_id, now
    request.updated_at = now
    request.responded_at = None if status == RightsStatus.requested else now
    request.next_attempt_at = None
    session.add(request)
    session.flush()
    add_event(session, request, now=now, detail=MANUAL[status], user_id=user_id)
    sync_mentions(session, request)
    return request
