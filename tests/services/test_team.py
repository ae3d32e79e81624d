"""The Team page's rules (members, removal) and invitations, against a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from archive_app.mail.messages import EmailMessage
from archive_app.models.auth import AuthSession
from archive_app.models.notifications import OutboxEmail
from archive_app.services import auth, demo, outbox, signup
from archive_app.services import invite as invite_service
from archive_app.services import team as team_service
from archive_app.services.errors import InvalidInput, NotAllowed, NotFound

BASE = "http://archive.test"


def _owner(session: Session, now, email="owner@a.com", name="Brand A"):
    result = signup.sign_up(
        session, email=email, password="owner-pass", workspace_name=name, now=now
    )
    session.commit()
    return result


def _invite_and_join(session, now, owner, email="mate@a.com", password="mate-pass"):
    sent = invite_service.invite(
        session,
        workspace_id=owner.workspace_id,
        user_id=owner.user_id,
        email=email,
        base_url=BASE,
        now=now,
    )
    token = sent.accept_url.rsplit("/", 1)[-1]
    joined = invite_service.accept_invite(session, token=token, password=password, now=now)
    session.commit()
    return sent, joined


def test_invite_shows_a_link_and_queues_the_same_link_by_email(session, now):
    owner = _owner(session, now)
    sent = invite_service.invite(
        session,
        workspace_id=owner.workspace_id,
        user_id=owner.user_id,
        email=" Mate@A.com",
        base_url=BASE,
        now=now,
    )
    assert sent.email == "mate@a.com" and sent.accept_url.startswith(f"{BASE}/invite/")
    mail = session.exec(select(OutboxEmail)).one()
    assert mail.to_address == "mate@a.com"
    assert "Brand A" in mail.subject
    assert sent.accept_url in mail.text_body and sent.accept_url in mail.html_body
    assert (
        invite_service.describe_invite(
            session, token=sent.accept_url.rsplit("/", 1)[-1], now=now
        ).workspace_name
        == "Brand A"
    )


def test_accepting_an_invite_makes_a_member_who_can_log_in(session, now):
    owner = _owner(session, now)
    _, joined = _invite_and_join(session, now, owner)
    viewer = auth.current_viewer(session, token=joined.session_token, now=now)
    assert viewer is not None and viewer.workspace_id == owner.workspace_id and not viewer.is_owner
    members = team_service.list_members(
        session, workspace_id=owner.workspace_id, user_id=owner.user_id
    )
    assert [(m.email, m.role) for m in members] == [
        ("owner@a.com", "owner"),
        ("mate@a.com", "member"),
    ]


def test_an_invite_link_works_once_and_expires(session, now):
    owner = _owner(session, now)
    sent, _ = _invite_and_join(session, now, owner)
    token = sent.accept_url.rsplit("/", 1)[-1]
    with pytest.raises(NotFound, match="already used"):
        invite_service.accept_invite(session, token=token, password="mate-pass", now=now)
    late = invite_service.invite(
        session,
        workspace_id=owner.workspace_id,
        user_id=owner.user_id,
        email="late@a.com",
        base_url=BASE,
        now=now,
    )
    with pytest.raises(NotFound, match="expired"):
        invite_service.accept_invite(
            session,
            token=late.accept_url.rsplit("/", 1)[-1],
            password="late-pass",
            now=now + invite_service.INVITE_LIFETIME + timedelta(seconds=1),
        )
    with pytest.raises(NotFound, match="not valid"):
        invite_service.describe_invite(session, token="made-up", now=now)


def test_an_existing_account_joins_with_its_own_password(session, now):
    owner = _owner(session, now)
    other = _owner(session, now, email="someone@b.com", name="Brand B")
    sent = invite_service.invite(
        session,
        workspace_id=owner.workspace_id,
        user_id=owner.user_id,
        email="someone@b.com",
        base_url=BASE,
        now=now,
    )
    token = sent.accept_url.rsplit("/", 1)[-1]
    assert invite_service.describe_invite(session, token=token, now=now).email == "someone@b.com"
    with pytest.raises(InvalidInput, match="doesn't match"):
        invite_service.accept_invite(session, token=token, password="wrong-pass", now=now)
    joined = invite_service.accept_invite(session, token=token, password="owner-pass", now=now)
    assert joined.user_id == other.user_id and joined.workspace_id == owner.workspace_id


def _invite(session, now, owner, email):
    return invite_service.invite(
        session,
        workspace_id=owner.workspace_id,
        user_id=owner.user_id,
        email=email,
        base_url=BASE,
        now=now,
    )


def test_inviting_answers_the_same_whether_or_not_the_address_has_an_account(session, now):
    owner = _owner(session, now)
    _owner(session, now, email="known@b.com", name="Brand B")
    known = _invite(session, now, owner, "known@b.com")
    fresh = _invite(session, now, owner, "fresh@b.com")
    # What the owner is shown has the same shape and wording for both.
    assert type(known) is type(fresh)
    assert (known.email, fresh.email) == ("known@b.com", "fresh@b.com")
    assert known.accept_url.rsplit("/", 1)[0] == fresh.accept_url.rsplit("/", 1)[0]
    pending = invite_service.list_pending_invites(
        session, workspace_id=owner.workspace_id, user_id=owner.user_id, now=now
    )
    assert sorted(p.email for p in pending) == ["fresh@b.com", "known@b.com"]
    # Only the invited mailbox is told which password the link will ask for.
    mails = {m.to_address: m for m in session.exec(select(OutboxEmail)).all()}
    assert mails["known@b.com"].subject == mails["fresh@b.com"].subject
    assert "already have an Archive account" in mails["known@b.com"].text_body
    assert "choose a password" in mails["fresh@b.com"].text_body


def test_a_too_short_password_on_an_invite_gets_the_same_answer_either_way(session, now):
    owner = _owner(session, now)
    _owner(session, now, email="known@b.com", name="Brand B")
    answers = []
    for address in ("known@b.com", "fresh@b.com"):
        token = _invite(session, now, owner, address).accept_url.rsplit("/", 1)[-1]
        with pytest.raises(InvalidInput) as refused:
            invite_service.accept_invite(session, token=token, password="short", now=now)
        answers.append(refused.value.message)
    assert answers[0] == answers[1] == "Use a password of at least 8 characters."


def test_an_invite_to_an_address_archive_cannot_mail_is_refused_before_any_mail(session, now):
    owner = _owner(session, now)
    with pytest.raises(InvalidInput, match="plain ASCII"):
        _invite(session, now, owner, "🚀@example.org")
    assert session.exec(select(OutboxEmail)).all() == []
    assert (
        invite_service.list_pending_invites(
            session, workspace_id=owner.workspace_id, user_id=owner.user_id, now=now
        )
        == []
    )


def test_inviting_a_current_member_or_a_bad_address_is_refused(session, now):
    owner = _owner(session, now)
    _invite_and_join(session, now, owner)
    for address, message in (("mate@a.com", "already a member"), ("nope", "not a valid")):
        with pytest.raises(InvalidInput, match=message):
            invite_service.invite(
                session,
                workspace_id=owner.workspace_id,
                user_id=owner.user_id,
                email=address,
                base_url=BASE,
                now=now,
            )


def test_members_cannot_invite_or_remove(session, now):
    owner = _owner(session, now)
    _, mate = _invite_and_join(session, now, owner)
    with pytest.raises(NotAllowed, match="Only workspace owners"):
        invite_service.invite(
            session,
            workspace_id=owner.workspace_id,
            user_id=mate.user_id,
            email="x@a.com",
            base_url=BASE,
            now=now,
        )
    with pytest.raises(NotAllowed):
        team_service.remove_member(
            session,
            workspace_id=owner.workspace_id,
            user_id=mate.user_id,
            member_user_id=owner.user_id,
        )


def test_removing_a_member_ends_access_sessions_and_pending_mail_at_once(session, now):
    owner = _owner(session, now)
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
        session, workspace_id=owner.workspace_id, user_id=owner.user_id, member_user_id=mate.user_id
    )
    session.commit()
    assert removed == "mate@a.com"
    assert auth.current_viewer(session, token=mate.session_token, now=now) is None
    assert session.exec(select(AuthSession).where(AuthSession.user_id == mate.user_id)).all() == []
    pending = session.exec(select(OutboxEmail).where(OutboxEmail.dedupe_key == "test-alert")).one()
    assert pending.status != "pending"
    assert team_service.member_emails(session, workspace_id=owner.workspace_id) == ["owner@a.com"]
    with pytest.raises(NotAllowed):
        team_service.list_members(session, workspace_id=owner.workspace_id, user_id=mate.user_id)


def test_the_last_owner_cannot_be_removed(session, now):
    owner = _owner(session, now)
    with pytest.raises(InvalidInput, match="last one"):
        team_service.remove_member(
            session,
            workspace_id=owner.workspace_id,
            user_id=owner.user_id,
            member_user_id=owner.user_id,
        )


def test_workspace_a_cannot_read_or_change_workspace_b(session, now):
    a = _owner(session, now, email="owner@a.com", name="Brand A")
    b = _owner(session, now, email="owner@b.com", name="Brand B")
    _, b_mate = _invite_and_join(session, now, b, email="mate@b.com")
    b_invite = invite_service.invite(
        session,
        workspace_id=b.workspace_id,
        user_id=b.user_id,
        email="pending@b.com",
        base_url=BASE,
        now=now,
    )
    # A's owner names B's workspace id: every service refuses, nothing of B leaks or changes.
    with pytest.raises(NotAllowed):
        team_service.list_members(session, workspace_id=b.workspace_id, user_id=a.user_id)
    with pytest.raises(NotAllowed):
        invite_service.list_pending_invites(
            session, workspace_id=b.workspace_id, user_id=a.user_id, now=now
        )
    with pytest.raises(NotAllowed):
        team_service.workspace_name(session, workspace_id=b.workspace_id, user_id=a.user_id)
    with pytest.raises(NotAllowed):
        invite_service.invite(
            session,
            workspace_id=b.workspace_id,
            user_id=a.user_id,
            email="x@a.com",
            base_url=BASE,
            now=now,
        )
    with pytest.raises(NotAllowed):
        team_service.remove_member(
            session, workspace_id=b.workspace_id, user_id=a.user_id, member_user_id=b_mate.user_id
        )
    # From A's own workspace, B's people and invites are simply not there.
    with pytest.raises(NotFound):
        team_service.remove_member(
            session, workspace_id=a.workspace_id, user_id=a.user_id, member_user_id=b_mate.user_id
        )
    with pytest.raises(NotFound):
        invite_service.revoke_invite(
            session,
            workspace_id=a.workspace_id,
            user_id=a.user_id,
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
                session, workspace_id=b.workspace_id, user_id=b.user_id, now=now
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
