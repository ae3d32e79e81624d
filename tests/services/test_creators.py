"""Social Profiles: creators with their counts, DM setting and requests, one workspace only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from archive_app.models.rights import RightsStatus
from archive_app.services.errors import NotAllowed
from archive_app.services.rights import creators
from tests import factories
from tests.services.test_feed import NOW, Brand, video


def test_creators_list_counts_last_mention_dm_setting_and_requests(session: Session) -> None:
    brand = Brand(session, "brand")
    source = brand.source("brandco", connected=NOW - timedelta(days=30))
    brand.found(source, video(1, "maya"), video(2, "maya"), video(3, "tom"))
    ids = {"workspace_id": brand.workspace_id, "user_id": brand.user_id}
    rows, cursor = creators.list_creators(session, **ids)
    assert [(r.handle, r.mention_count) for r in rows] == [("maya", 2), ("tom", 1)]
    assert cursor == "" and rows[0].dm_label == "Not known yet"
    assert rows[0].rights_summary == ""
    for status in (RightsStatus.requested, RightsStatus.requested, RightsStatus.approved):
        factories.rights_request(
            session,
            workspace_id=brand.workspace_id,
            creator_id=rows[0].id,
            message="May we?",
            status=status,
            now=NOW,
        )
    maya = creators.find_creator(session, **ids, handle="@MAYA")
    assert maya is not None and maya.rights_summary == "2 Requested, 1 Approved"
    assert creators.creator_ref(session, **ids, handle="@MAYA") == (maya.id, "maya")
    first, cursor = creators.list_creators(session, **ids, limit=1)
    rest, end = creators.list_creators(session, **ids, cursor=cursor)
    assert [r.handle for r in (*first, *rest)] == ["maya", "tom"] and end == ""
    assert [r.handle for r in creators.list_creators(session, **ids, search="TO")[0]] == ["tom"]


def test_another_workspaces_creators_are_not_found(session: Session) -> None:
    brand, other = Brand(session, "brand"), Brand(session, "other")
    theirs = other.source("other", connected=NOW - timedelta(days=3))
    other.found(theirs, video(1, "secret.creator"))
    ids = {"workspace_id": brand.workspace_id, "user_id": brand.user_id}
    assert creators.find_creator(session, **ids, handle="secret.creator") is None
    assert creators.creator_ref(session, **ids, handle="secret.creator") is None
    assert creators.list_creators(session, **ids)[0] == []
    for bad in ("../x", "<b>", "a" * 80, ""):
        assert creators.find_creator(session, **ids, handle=bad) is None
        assert creators.creator_ref(session, **ids, handle=bad) is None
    with pytest.raises(NotAllowed):
        creators.list_creators(session, workspace_id=other.workspace_id, user_id=brand.user_id)
    with pytest.raises(NotAllowed):
        creators.creator_ref(
            session, workspace_id=other.workspace_id, user_id=brand.user_id, handle="x"
        )
