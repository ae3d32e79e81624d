"""Sign-up, log-in, sessions, rate limiting and profile changes, as a person experiences them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from archive_app.crypto import sha256_hex
from archive_app.models.auth import AuthSession
from archive_app.models.workspaces import Membership, Role, User
from archive_app.services import auth
from archive_app.services.errors import InvalidInput, NotAllowed, RateLimited


def _signup(session: Session, now, email="Owner@Brand.com ", password="s3cret-pass"):
    result = auth.sign_up(session, email=email, password=password, workspace_name="Brand", now=now)
    session.commit()
    return result


def test_sign_up_creates_owner_workspace_and_session(session, now):
    result = _signup(session, now)
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
    _signup(session, now)
    with pytest.raises(InvalidInput, match="already exists"):
        auth.sign_up(
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
        auth.sign_up(session, email=email, password=password, workspace_name=workspace, now=now)
    session.rollback()
    assert session.exec(select(User)).all() == []


def test_log_in_with_the_right_password_opens_a_session(session, now):
    _signup(session, now)
    result = auth.log_in(
        session, email=" owner@BRAND.com", password="s3cret-pass", ip="1.2.3.4", now=now
    )
    assert auth.current_viewer(session, token=result.session_token, now=now) is not None


def test_wrong_password_and_unknown_account_get_the_same_message(session, now):
    _signup(session, now)
    with pytest.raises(InvalidInput) as wrong:
        auth.log_in(session, email="owner@brand.com", password="nope-nope", ip="1.1.1.1", now=now)
    with pytest.raises(InvalidInput) as unknown:
        auth.log_in(session, email="who@brand.com", password="nope-nope", ip="1.1.1.1", now=now)
    assert wrong.value.message == unknown.value.message


def test_ten_failures_lock_the_account_with_a_time_to_wait(session, now):
    _signup(session, now)
    for i in range(auth.MAX_FAILURES):
        with pytest.raises(InvalidInput):
            auth.log_in(
                session,
                email="owner@brand.com",
                password="bad-pass",
                ip=f"10.0.0.{i}",
                now=now + timedelta(seconds=i),
            )
    with pytest.raises(RateLimited, match=r"Try again in 10 minutes") as limited:
        auth.log_in(session, email="owner@brand.com", password="s3cret-pass", ip="9.9.9.9", now=now)
    assert limited.value.retry_after_minutes == 10
    later = now + auth.FAILURE_WINDOW + timedelta(seconds=30)
    assert auth.log_in(
        session, email="owner@brand.com", password="s3cret-pass", ip="9.9.9.9", now=later
    )


def test_failures_from_one_address_are_limited_across_accounts(session, now):
    for i in range(auth.MAX_FAILURES):
        with pytest.raises(InvalidInput):
            auth.log_in(
                session, email=f"guess{i}@brand.com", password="x" * 8, ip="6.6.6.6", now=now
            )
    with pytest.raises(RateLimited):
        auth.log_in(session, email="another@brand.com", password="x" * 8, ip="6.6.6.6", now=now)


def test_log_out_ends_the_session(session, now):
    result = _signup(session, now)
    auth.log_out(session, token=result.session_token)
    assert auth.current_viewer(session, token=result.session_token, now=now) is None


def test_sessions_expire(session, now):
    result = _signup(session, now)
    later = now + auth.SESSION_LIFETIME + timedelta(minutes=1)
    assert auth.current_viewer(session, token=result.session_token, now=later) is None
    with pytest.raises(NotAllowed):
        auth.require_viewer(session, token=result.session_token, now=later)


def test_a_forged_cookie_is_nobody(session, now):
    _signup(session, now)
    assert auth.current_viewer(session, token="forged-token", now=now) is None
    assert auth.current_viewer(session, token=None, now=now) is None


def test_change_email_needs_the_password_and_a_free_address(session, now):
    owner = _signup(session, now)
    auth.sign_up(
        session, email="taken@brand.com", password="pass-word-2", workspace_name="B", now=now
    )
    with pytest.raises(InvalidInput, match="current password"):
        auth.change_email(session, user_id=owner.user_id, new_email="new@brand.com", password="bad")
    with pytest.raises(InvalidInput, match="already uses"):
        auth.change_email(
            session, user_id=owner.user_id, new_email="TAKEN@brand.com", password="s3cret-pass"
        )
    assert (
        auth.change_email(
            session, user_id=owner.user_id, new_email=" New@Brand.com", password="s3cret-pass"
        )
        == "new@brand.com"
    )


def test_change_password_then_only_the_new_one_works(session, now):
    owner = _signup(session, now)
    with pytest.raises(InvalidInput, match="at least 8"):
        auth.change_password(
            session, user_id=owner.user_id, current_password="s3cret-pass", new_password="short"
        )
    auth.change_password(
        session,
        user_id=owner.user_id,
        current_password="s3cret-pass",
        new_password="brand-new-pass",
    )
    with pytest.raises(InvalidInput):
        auth.log_in(session, email="owner@brand.com", password="s3cret-pass", ip="1.1.1.1", now=now)
    assert auth.log_in(
        session, email="owner@brand.com", password="brand-new-pass", ip="1.1.1.1", now=now
    )
