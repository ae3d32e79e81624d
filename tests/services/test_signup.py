"""Sign-up, direct and by the emailed link, as a person experiences them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from archive_app.crypto import sha256_hex
from archive_app.models.auth import AuthSession
from archive_app.models.notifications import OutboxEmail
from archive_app.models.workspaces import Membership, Role, User
from archive_app.services import auth, signup
from archive_app.services.errors import InvalidInput, NotAllowed, NotFound
from tests import factories


def test_sign_up_creates_owner_workspace_and_session(session, now):
    result = factories.workspace(session, now=now, email="Owner@Brand.com ")
    user = session.exec(select(User)).one()
    assert user.email == "owner@brand.com"  # trimmed and lower-cased
    assert user.password_hash.startswith("$argon2id$")
    assert "s3cret-pass" not in user.password_hash
    membership = session.exec(select(Membership)).one()
    assert membership.role == Role.owner and membership.workspace_id == result.workspace_id
    stored = session.exec(select(AuthSession)).one()
    assert stored.token_hash == sha256_hex(result.session_token)  # only the hash is stored
    viewer = auth.current_viewer(session, token=result.session_token, now=now)
    assert viewer is not None and viewer.email == "owner@brand.com" and viewer.is_owner
    assert viewer.workspace_name == "Brand"


def test_duplicate_sign_up_is_refused_whatever_the_case(session, now):
    factories.workspace(session, now=now)
    with pytest.raises(InvalidInput, match="already exists"):
        signup.sign_up(
            session, email="OWNER@brand.com", password="another-pass", workspace_name="X", now=now
        )


@pytest.mark.parametrize(
    ("email", "password", "workspace", "message"),
    [
        ("not-an-email", "longenough", "Brand", "not a valid email"),
        ("", "longenough", "Brand", "Enter an email"),
        ("a@b.com", "short", "Brand", "at least 8 characters"),
        ("a@b.com", "longenough", "   ", "Name your workspace"),
    ],
)
def test_bad_sign_up_input_says_what_is_wrong_and_creates_nothing(
    session, now, email, password, workspace, message
):
    with pytest.raises(InvalidInput, match=message):
        signup.sign_up(session, email=email, password=password, workspace_name=workspace, now=now)
    session.rollback()
    assert session.exec(select(User)).all() == []


# --- sign-up by email link ------------------------------------------------------------------

BASE = "http://archive.test"


def _request(session, now, email="new@brand.com", password="new-pass-1", name="New Brand"):
    requested = signup.request_sign_up(
        session, email=email, password=password, workspace_name=name, base_url=BASE, now=now
    )
    session.flush()
    return requested


def _mails(session):
    return session.exec(select(OutboxEmail).order_by(OutboxEmail.id)).all()


def _link(mail) -> str:
    match = re.search(rf"{re.escape(BASE)}/auth/signup/confirm/([\w-]+)", mail.text_body)
    assert match, mail.text_body
    assert match.group(0) in mail.html_body
    return match.group(1)


def test_sign_up_answers_the_same_whether_or_not_the_address_has_an_account(session, now):
    factories.workspace(session, now=now)  # owner@brand.com has an account
    known = _request(session, now, email="Owner@Brand.com")
    fresh = _request(session, now, email="new@brand.com")
    assert type(known) is type(fresh)
    assert (known.email, fresh.email) == ("owner@brand.com", "new@brand.com")
    assert len(known.browser_token) == len(fresh.browser_token)
    to_owner, to_new = _mails(session)
    # Only the mailbox learns which case it was, under the same subject.
    assert to_owner.to_address == "owner@brand.com" and to_new.to_address == "new@brand.com"
    assert to_owner.subject == to_new.subject == "Finish creating your Archive account"
    assert "already have one" in to_owner.text_body and f"{BASE}/login" in to_owner.text_body
    assert "/auth/signup/confirm/" not in to_owner.text_body
    assert "New Brand" in to_new.text_body
    # Nothing was created or changed for either address yet.
    assert [u.email for u in session.exec(select(User)).all()] == ["owner@brand.com"]
    assert auth.log_in(session, email="owner@brand.com", password="s3cret-pass", ip="1", now=now)


def test_the_sign_up_link_creates_the_account_and_workspace_in_the_browser_that_asked(session, now):
    requested = _request(session, now)
    token = _link(_mails(session)[0])
    with pytest.raises(NotAllowed, match="browser where you filled in"):
        signup.confirm_sign_up(session, token=token, browser_token=None, now=now)
    with pytest.raises(NotAllowed):
        signup.confirm_sign_up(session, token=token, browser_token="another-browser", now=now)
    assert session.exec(select(User)).all() == []
    signed_in = signup.confirm_sign_up(
        session, token=token, browser_token=requested.browser_token, now=now
    )
    viewer = auth.current_viewer(session, token=signed_in.session_token, now=now)
    assert viewer is not None and viewer.is_owner and viewer.workspace_name == "New Brand"
    assert viewer.email == "new@brand.com"
    assert auth.log_in(session, email="new@brand.com", password="new-pass-1", ip="1", now=now)


def test_a_sign_up_link_works_once_and_expires(session, now):
    first = _request(session, now)
    second = _request(session, now, email="late@brand.com")
    link_first, link_second = (_link(m) for m in _mails(session))
    signup.confirm_sign_up(session, token=link_first, browser_token=first.browser_token, now=now)
    with pytest.raises(NotFound, match="no longer valid"):
        signup.confirm_sign_up(
            session, token=link_first, browser_token=first.browser_token, now=now
        )
    with pytest.raises(NotFound, match="no longer valid"):
        signup.confirm_sign_up(
            session,
            token=link_second,
            browser_token=second.browser_token,
            now=now + signup.SIGNUP_LINK_LIFETIME + timedelta(seconds=1),
        )
    with pytest.raises(NotFound):
        signup.confirm_sign_up(session, token="made-up", browser_token="x", now=now)


def test_a_stranger_signing_up_with_your_address_cannot_set_your_password(session, now):
    stranger = _request(session, now, password="stranger-pass")
    mine = _request(session, now, password="my-own-pass")
    stranger_link, my_link = (_link(m) for m in _mails(session))
    # The stranger's link, opened by the rightful owner in their own browser, does nothing.
    with pytest.raises(NotAllowed):
        signup.confirm_sign_up(
            session, token=stranger_link, browser_token=mine.browser_token, now=now
        )
    signup.confirm_sign_up(session, token=my_link, browser_token=mine.browser_token, now=now)
    with pytest.raises(NotFound, match="already has an Archive account"):
        signup.confirm_sign_up(
            session, token=stranger_link, browser_token=stranger.browser_token, now=now
        )
    assert auth.log_in(session, email="new@brand.com", password="my-own-pass", ip="1", now=now)


def test_sign_up_mail_to_one_address_is_capped(session, now):
    factories.workspace(session, now=now)
    for _ in range(10):
        _request(session, now)
        _request(session, now, email="owner@brand.com")
    by_address = [m.to_address for m in _mails(session)]
    assert by_address.count("new@brand.com") == signup.SIGNUP_MAILS_PER_HOUR
    assert by_address.count("owner@brand.com") == 1


@pytest.mark.parametrize(
    ("email", "password", "workspace", "message"),
    [
        ("not-an-email", "longenough", "Brand", "not a valid email"),
        ("🚀@example.org", "longenough", "Brand", "plain ASCII"),
        ("a@b.com", "short", "Brand", "at least 8 characters"),
        ("a@b.com", "longenough", "   ", "Name your workspace"),
    ],
)
def test_a_bad_sign_up_form_says_what_is_wrong_and_sends_nothing(
    session, now, email, password, workspace, message
):
    with pytest.raises(InvalidInput, match=message):
        _request(session, now, email=email, password=password, name=workspace)
    assert _mails(session) == []
