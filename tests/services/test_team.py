"""The Team page's rules (members, removal) and invitations, against a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from archive_app.mail.messages import EmailMessage
from archive_app.models.auth import AuthSession
from archive_app.models.notifications import OutboxEmail
from archive_app.services import auth, demo, outbox
from archive_app.services import invite as invite_service
from archive_app.services import team as team_service
from archive_app.services.actor import Actor
from archive_app.services.errors import InvalidInput, NotAllowed, NotFound, RateLimited
from tests import factories

BASE = "http://archive.test"


BRAND_A = {"email": "owner@a.com", "name": "Brand A"}  # the owner's workspace in these tests


def _invite_and_join(session, now, owner, email="mate@a.com", password="mate-pass"):
    sent = _invite(session, now, owner, email)
    token = sent.accept_url.rsplit("/", 1)[-1]
    joined = invite_service.accept_invite(
        session, token=token, password=password, session_token=None, now=now
    )
    session.commit()
    return sent, joined


def _invite(session, now, owner, email, *, reveal_link=True):
    return invite_service.invite(
        session,
        actor=Actor(workspace_id=owner.workspace_id, user_id=owner.user_id),
        email=email,
        base_url=BASE,
        reveal_link=reveal_link,
        now=now,
    )


def _mailed_tokens(session, to) -> list[str]:
    """The invitation tokens mailed to ``to``, oldest first (what the invited person gets)."""
    mails = session.exec(
        select(OutboxEmail).where(OutboxEmail.to_address == to).order_by(OutboxEmail.id)
    ).all()
    return [m.text_body.split(f"{BASE}/invite/", 1)[1].split()[0] for m in mails]


def test_invite_shows_a_link_and_queues_the_same_link_by_email(session, now):
    owner = factories.workspace(session, now=now, **BRAND_A)
    sent = _invite(session, now, owner, " Mate@A.com")
    assert sent.email == "mate@a.com" and sent.accept_url.startswith(f"{BASE}/invite/")
    mail = session.exec(select(OutboxEmail)).one()
    assert mail.to_address == "mate@a.com"
    assert "Brand A" in mail.subject
    assert sent.accept_url in mail.text_body and sent.accept_url in mail.html_body
    assert (
        invite_service.describe_invite(
            session, token=sent.accept_url.rsplit("/", 1)[-1], session_token=None, now=now
        ).workspace_name
        == "Brand A"
    )


def test_accepting_an_invite_makes_a_member_who_can_log_in(session, now):
    owner = factories.workspace(session, now=now, **BRAND_A)
    _, joined = _invite_and_join(session, now, owner)
    viewer = auth.current_viewer(session, token=joined.session_token, now=now)
    assert viewer is not None and viewer.workspace_id == owner.workspace_id and not viewer.is_owner
    members = team_service.list_members(
        session, actor=Actor(workspace_id=owner.workspace_id, user_id=owner.user_id)
    )
    assert [(m.email, m.role) for m in members] == [
        ("owner@a.com", "owner"),
        ("mate@a.com", "member"),
    ]


def test_an_invite_link_works_once_and_expires(session, now):
    owner = factories.workspace(session, now=now, **BRAND_A)
    sent, _ = _invite_and_join(session, now, owner)
    token = sent.accept_url.rsplit("/", 1)[-1]
    with pytest.raises(NotFound, match="already used"):
        invite_service.accept_invite(
            session, token=token, password="mate-pass", session_token=None, now=now
        )
    late = _invite(session, now, owner, "late@a.com")
    with pytest.raises(NotFound, match="expired"):
        invite_service.accept_invite(
            session,
            token=late.accept_url.rsplit("/", 1)[-1],
            password="late-pass",
            session_token=None,
            now=now + invite_service.INVITE_LIFETIME + timedelta(seconds=1),
        )
    with pytest.raises(NotFound, match="not valid"):
        invite_service.describe_invite(session, token="made-up", session_token=None, now=now)


def test_an_existing_account_never_joins_by_password_only_from_its_own_session(session, now):
    owner = factories.workspace(session, now=now, **BRAND_A)
    other = factories.workspace(session, now=now, email="someone@b.com", name="Brand B")
    stranger = factories.workspace(session, now=now, email="stranger@c.com", name="Brand C")
    token = _invite(session, now, owner, "someone@b.com").accept_url.rsplit("/", 1)[-1]
    details = invite_service.describe_invite(session, token=token, session_token=None, now=now)
    assert (details.email, details.has_account, details.can_accept_signed_in) == (
        "someone@b.com",
        True,
        False,
    )
    # Not even the right password joins without a session: no password is ever checked here.
    for password, session_token in (
        (factories.PASSWORD, None),
        ("wrong-pass", None),
        (factories.PASSWORD, stranger.session_token),
    ):
        with pytest.raises(NotAllowed, match=r"log in as someone@b\.com"):
            invite_service.accept_invite(
                session, token=token, password=password, session_token=session_token, now=now
            )
    assert not team_service.is_member(
        session, workspace_id=owner.workspace_id, user_id=other.user_id
    )
    signed_in = invite_service.describe_invite(
        session, token=token, session_token=other.session_token, now=now
    )
    assert signed_in.signed_in_as == "someone@b.com" and signed_in.can_accept_signed_in
    joined = invite_service.accept_invite(
        session, token=token, password="", session_token=other.session_token, now=now
    )
    assert joined.user_id == other.user_id and joined.workspace_id == owner.workspace_id
    # The browser's old session is replaced by the new one, in the workspace it joined.
    assert auth.current_viewer(session, token=other.session_token, now=now) is None
    viewer = auth.current_viewer(session, token=joined.session_token, now=now)
    assert viewer is not None and viewer.workspace_id == owner.workspace_id


def test_inviting_says_in_the_mail_only_whether_the_address_logs_in_or_chooses_a_password(
    session, now
):
    owner = factories.workspace(session, now=now, **BRAND_A)
    factories.workspace(session, now=now, email="known@b.com", name="Brand B")
    known = _invite(session, now, owner, "known@b.com")
    fresh = _invite(session, now, owner, "fresh@b.com")
    # What the owner is shown has the same shape and wording for both.
    assert type(known) is type(fresh)
    assert (known.email, fresh.email) == ("known@b.com", "fresh@b.com")
    pending = invite_service.list_pending_invites(
        session, actor=Actor(workspace_id=owner.workspace_id, user_id=owner.user_id), now=now
    )
    assert sorted(p.email for p in pending) == ["fresh@b.com", "known@b.com"]
    mails = {m.to_address: m for m in session.exec(select(OutboxEmail)).all()}
    assert mails["known@b.com"].subject == mails["fresh@b.com"].subject
    assert "already have an Archive account" in mails["known@b.com"].text_body
    assert "log in as usual, then accept" in mails["known@b.com"].text_body
    assert "password" not in mails["known@b.com"].text_body
    assert "choose a password" in mails["fresh@b.com"].text_body


def test_a_new_address_needs_a_password_of_eight_characters(session, now):
    owner = factories.workspace(session, now=now, **BRAND_A)
    token = _invite(session, now, owner, "fresh@b.com").accept_url.rsplit("/", 1)[-1]
    with pytest.raises(InvalidInput, match="at least 8 characters"):
        invite_service.accept_invite(
            session, token=token, password="short", session_token=None, now=now
        )
    assert auth.find_user(session, email="fresh@b.com") is None


def test_in_production_the_link_is_only_in_the_mail(session, now):
    owner = factories.workspace(session, now=now, **BRAND_A)
    sent = _invite(session, now, owner, "mate@a.com", reveal_link=False)
    assert sent.accept_url == "" and sent.email == "mate@a.com"
    (token,) = _mailed_tokens(session, "mate@a.com")
    details = invite_service.describe_invite(session, token=token, session_token=None, now=now)
    assert details.workspace_name == "Brand A"
    assert _resend(session, now, owner, sent.invite_id, reveal_link=False).accept_url == ""


def _resend(session, now, owner, invite_id, *, reveal_link=True):
    return invite_service.resend_invite(
        session,
        actor=Actor(workspace_id=owner.workspace_id, user_id=owner.user_id),
        invite_id=invite_id,
        base_url=BASE,
        reveal_link=reveal_link,
        now=now,
    )


def test_resend_mails_a_new_link_and_the_old_one_stops_working(session, now):
    owner = factories.workspace(session, now=now, **BRAND_A)
    first = _invite(session, now, owner, "mate@a.com")
    later = now + timedelta(days=6)
    second = _resend(session, later, owner, first.invite_id)
    old_token, new_token = _mailed_tokens(session, "mate@a.com")
    assert second.accept_url.endswith(new_token) and old_token != new_token
    with pytest.raises(NotFound, match="not valid"):
        invite_service.describe_invite(session, token=old_token, session_token=None, now=later)
    # The new link is valid for a full week from the resend.
    joined = invite_service.accept_invite(
        session,
        token=new_token,
        password="mate-pass",
        session_token=None,
        now=later + timedelta(days=6),
    )
    assert joined.workspace_id == owner.workspace_id


def test_resend_is_capped_at_three_an_hour_per_invitation(session, now):
    owner = factories.workspace(session, now=now, **BRAND_A)
    sent = _invite(session, now, owner, "mate@a.com")
    for minute in range(invite_service.MAX_RESENDS_PER_HOUR):
        _resend(session, now + timedelta(minutes=minute), owner, sent.invite_id)
    with pytest.raises(RateLimited, match="3 times in the last hour"):
        _resend(session, now + timedelta(minutes=10), owner, sent.invite_id)
    assert len(_mailed_tokens(session, "mate@a.com")) == 1 + invite_service.MAX_RESENDS_PER_HOUR
    # An hour after the first resend, one more may go.
    _resend(session, now + timedelta(minutes=61), owner, sent.invite_id)


def test_a_revoked_or_accepted_invitation_cannot_be_resent(session, now):
    owner = factories.workspace(session, now=now, **BRAND_A)
    sent, _ = _invite_and_join(session, now, owner)
    revoked = _invite(session, now, owner, "gone@a.com")
    invite_service.revoke_invite(
        session,
        actor=Actor(workspace_id=owner.workspace_id, user_id=owner.user_id),
        invite_id=revoked.invite_id,
        now=now,
    )
    for invite_id in (sent.invite_id, revoked.invite_id):
        with pytest.raises(NotFound, match="no longer exists"):
            _resend(session, now, owner, invite_id)


def test_an_invite_to_an_address_archive_cannot_mail_is_refused_before_any_mail(session, now):
    owner = factories.workspace(session, now=now, **BRAND_A)
    with pytest.raises(InvalidInput, match="plain ASCII"):
        _invite(session, now, owner, "🚀@example.org")
    assert session.exec(select(OutboxEmail)).all() == []
    assert (
        invite_service.list_pending_invites(
            session, actor=Actor(workspace_id=owner.workspace_id, user_id=owner.user_id), now=now
        )
        == []
    )


def test_inviting_a_current_member_or_a_bad_address_is_refused(session, now):
    owner = factories.workspace(session, now=now, **BRAND_A)
    _invite_and_join(session, now, owner)
    for address, message in (("mate@a.com", "already a member"), ("nope", "not a valid")):
        with pytest.raises(InvalidInput, match=message):
            invite_service.invite(
                session,
                actor=Actor(workspace_id=owner.workspace_id, user_id=owner.user_id),
                email=address,
                base_url=BASE,
                reveal_link=True,
                now=now,
            )


def test_members_cannot_invite_or_remove(session, now):
    owner = factories.workspace(session, now=now, **BRAND_A)
    _, mate = _invite_and_join(session, now, owner)
    with pytest.raises(NotAllowed, match="Only workspace owners"):
        invite_service.invite(
            session,
            actor=Actor(workspace_id=owner.workspace_id, user_id=mate.user_id),
            email="x@a.com",
            base_url=BASE,
            reveal_link=True,
            now=now,
        )
    with pytest.raises(NotAllowed):
        team_service.remove_member(
            session,
            actor=Actor(workspace_id=owner.workspace_id, user_id=mate.user_id),
            member_user_id=owner.user_id,
        )


def test_removing_a_member_ends_access_sessions_and_pending_mail_at_once(session, now):
    owner = factories.workspace(session, now=now, **BRAND_A)
    _, mate = _invite_and_join(session, now, owner)
    outbox.enqueue(
        session,
        message=EmailMessage(to="mate@a.com", subject="alert", text="t", html="<p>t</p>"),
        dedupe_key="test-alert",
        now=now,
        workspace_id=owner.workspace_id,
    )
    session.commit()
    removed = team_service.remove_member(
        session,
        actor=Actor(workspace_id=owner.workspace_id, user_id=owner.user_id),
        member_user_id=mate.user_id,
    )
    session.commit()
    assert removed == "mate@a.com"
    assert auth.current_viewer(session, token=mate.session_token, now=now) is None
    assert session.exec(select(AuthSession).where(AuthSession.user_id == mate.user_id)).all() == []
    pending = session.exec(select(OutboxEmail).where(OutboxEmail.dedupe_key == "test-alert")).one()
    assert pending.status != "pending"
    assert team_service.member_emails(session, workspace_id=owner.workspace_id) == ["owner@a.com"]
    with pytest.raises(NotAllowed):
        team_service.list_members(
            session, actor=Actor(workspace_id=owner.workspace_id, user_id=mate.user_id)
        )


def test_the_last_owner_cannot_be_removed(session, now):
    owner = factories.workspace(session, now=now, **BRAND_A)
    with pytest.raises(InvalidInput, match="last one"):
        team_service.remove_member(
            session,
            actor=Actor(workspace_id=owner.workspace_id, user_id=owner.user_id),
            member_user_id=owner.user_id,
        )


def test_workspace_a_cannot_read_or_change_workspace_b(session, now):
    a = factories.workspace(session, now=now, email="owner@a.com", name="Brand A")
    b = factories.workspace(session, now=now, email="owner@b.com", name="Brand B")
    _, b_mate = _invite_and_join(session, now, b, email="mate@b.com")
    b_invite = invite_service.invite(
        session,
        actor=Actor(workspace_id=b.workspace_id, user_id=b.user_id),
        email="pending@b.com",
        base_url=BASE,
        reveal_link=True,
        now=now,
    )
    # A's owner names B's workspace id: every service refuses, nothing of B leaks or changes.
    with pytest.raises(NotAllowed):
        team_service.list_members(
            session, actor=Actor(workspace_id=b.workspace_id, user_id=a.user_id)
        )
    with pytest.raises(NotAllowed):
        invite_service.list_pending_invites(
            session, actor=Actor(workspace_id=b.workspace_id, user_id=a.user_id), now=now
        )
    with pytest.raises(NotAllowed):
        team_service.workspace_name(
            session, actor=Actor(workspace_id=b.workspace_id, user_id=a.user_id)
        )
    with pytest.raises(NotAllowed):
        invite_service.invite(
            session,
            actor=Actor(workspace_id=b.workspace_id, user_id=a.user_id),
            email="x@a.com",
            base_url=BASE,
            reveal_link=True,
            now=now,
        )
    with pytest.raises(NotAllowed):
        team_service.remove_member(
            session,
            actor=Actor(workspace_id=b.workspace_id, user_id=a.user_id),
            member_user_id=b_mate.user_id,
        )
    # From A's own workspace, B's people and invites are simply not there.
    with pytest.raises(NotFound):
        team_service.remove_member(
            session,
            actor=Actor(workspace_id=a.workspace_id, user_id=a.user_id),
            member_user_id=b_mate.user_id,
        )
    with pytest.raises(NotFound):
        invite_service.revoke_invite(
            session,
            actor=Actor(workspace_id=a.workspace_id, user_id=a.user_id),
            invite_id=b_invite.invite_id,
            now=now,
        )
    assert team_service.member_emails(session, workspace_id=b.workspace_id) == [
        "mate@b.com",
        "owner@b.com",
    ]
    assert (
        len(
            invite_service.list_pending_invites(
                session, actor=Actor(workspace_id=b.workspace_id, user_id=b.user_id), now=now
            )
        )
        == 1
    )


def test_demo_seed_runs_once(session, now):
    assert demo.seed_demo(session, now=now) is True
    session.commit()
    assert demo.seed_demo(session, now=now) is False
    owner = auth.log_in(
        session, email=demo.DEMO_OWNER, password=demo.DEMO_PASSWORD, ip="1", now=now
    )
    viewer = auth.current_viewer(session, token=owner.session_token, now=now)
    assert viewer is not None and viewer.workspace_name == "Demo Brand" and viewer.is_owner
    mate = auth.log_in(
        session, email=demo.DEMO_MEMBER, password=demo.DEMO_PASSWORD, ip="1", now=now
    )
    mate_viewer = auth.current_viewer(session, token=mate.session_token, now=now)
    assert mate_viewer is not None and not mate_viewer.is_owner
