"""What a Settings → Sources row offers near or past its deadline (services/sources/status)."""

from __future__ import annotations

from datetime import datetime, timedelta

from archive_app.integrations.tiktok.kinds import Kind
from archive_app.models.sources import SourceStatus
from archive_app.services.sources import health
from archive_app.services.sources.disconnection_mail import Links
from archive_app.services.sources.status import SourceRow, list_sources
from archive_app.states.source_views import source_view
from tests import factories

LINKS = Links(base_url="https://archive.test", help_url="https://help.archive.test/tiktok")


def _rows(session, owner, now: datetime) -> dict[str, SourceRow]:
    rows = list_sources(session, workspace_id=owner.workspace_id, user_id=owner.user_id, now=now)
    return {f"{r.handle}:{r.kind}": r for r in rows}


def _source(session, owner, now, handle, kind, days_left, status=SourceStatus.active):
    return factories.source(
        session,
        workspace_id=owner.workspace_id,
        now=now - timedelta(days=30),
        cipher=factories.cipher(),
        handle=handle,
        kind=kind,
        status=status,
        deadline_at=now + timedelta(days=days_left),
    )


def test_rows_near_their_deadline_offer_reconnect_and_keep_disconnect(session, now):
    owner = factories.workspace(session, now=now)
    _source(session, owner, now, "soon", Kind.tiktok_v1, days_left=9)  # amber
    _source(session, owner, now, "month", Kind.tiktok_v1, days_left=25)  # reminders started
    _source(session, owner, now, "far", Kind.tiktok_v1, days_left=40)
    _source(session, owner, now, "v2month", Kind.tiktok_v2, days_left=25)  # no reminders
    _source(session, owner, now, "v2soon", Kind.tiktok_v2, days_left=10)  # amber
    session.commit()
    rows = _rows(session, owner, now)
    renewable = {key: row.renewable for key, row in rows.items()}
    assert renewable == {
        "soon:tiktok_v1": True,
        "month:tiktok_v1": True,
        "far:tiktok_v1": False,
        "v2month:tiktok_v2": False,
        "v2soon:tiktok_v2": True,
    }
    soon = source_view(rows["soon:tiktok_v1"])
    assert (soon.badge, soon.can_renew, soon.needs_reconnect) == ("amber", True, False)
    assert soon.reason.startswith("Reconnect before ")
    month = source_view(rows["month:tiktok_v1"])
    assert (month.badge, month.can_renew) == ("green", True)


def test_a_connection_whose_days_ran_out_is_red_disconnected_with_its_length_as_reason(
    session, now
):
    owner = factories.workspace(session, now=now)
    v1 = _source(session, owner, now, "brandco", Kind.tiktok_v1, days_left=0)
    v1.connected_at = now - timedelta(days=180)
    v2 = _source(session, owner, now, "brandco", Kind.tiktok_v2, days_left=0)
    v2.connected_at = now - timedelta(days=360)
    session.add_all([v1, v2])
    session.commit()
    assert health.expire_due(session, now=now, links=LINKS) == [owner.workspace_id] * 2
    session.commit()
    rows = _rows(session, owner, now)
    for key, days in (("brandco:tiktok_v1", 180), ("brandco:tiktok_v2", 360)):
        row = rows[key]
        assert row.status == "expired"  # the data keeps why it ended
        assert (row.badge, row.status_label) == ("red", "Disconnected")
        assert row.reason == f"The {days}-day connection ended"
        assert row.renewable is False
        view = source_view(row)
        assert (view.needs_reconnect, view.can_renew) == (True, False)
