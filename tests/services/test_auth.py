"""Log-in, sessions and profile changes, as a person experiences them (throttling:
``test_login_throttle.py``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from archive_app.crypto import sha256_hex
from archive_app.models.auth import AuthSession
from archive_app.services import auth, profile
from archive_app.services.errors import InvalidInput, NotAllowed
from tests import factories


def test_log_in_with_the_right_password_opens_a_session(session, now):
    factories.workspace(session, now=now)
    result = auth.log_in(
        session, email=" owner@BRAND.com", password="s3cret-pass", ip="1.2.3.4", now=now
    )
    assert auth.current_viewer(session, token=result.session_token, now=now) is not None


def test_wrong_password_and_unknown_account_get_the_same_message(session, now):
    factories.workspace(session, now=now)
    with pytest.raises(InvalidInput) as wrong:
        auth.log_in(session, email="owner@brand.com", password="nope-nope", ip="1.1.1.1", now=now)
    with pytest.raises(InvalidInput) as unknown:
        auth.log_in(session, email="who@brand.com", password="nope-nope", ip="1.1.1.1", now=now)
    assert wrong.value.message == unknown.value.message


def test_log_out_ends_the_session(session, now):
    result = factories.workspace(session, now=now)
    auth.log_out(session, token=result.session_token)
    assert auth.current_viewer(session, token=result.session_token, now=now) is None


def test_sessions_expire(session, now):
    result = factories.workspace(session, now=now)
    later = now + auth.SESSION_LIFETIME + timedelta(minutes=1)
    assert auth.current_viewer(session, token=result.session_token, now=later) is None
    with pytest.raises(NotAllowed):
        auth.require_viewer(session, token=result.session_token, now=later)


def test_a_forged_cookie_is_nobody(session, now):
    factories.workspace(session, now=now)
    assert auth.current_viewer(session, token="forged-token", now=now) is None
    assert auth.current_viewer(session, token=None, now=now) is None


def test_change_password_then_only_the_new_one_works(session, now):
    owner = factories.workspace(session, now=now)
    with pytest.raises(InvalidInput, match="at least 8"):
        profile.change_password(
            session,
            user_id=owner.user_id,
            current_password="s3cret-pass",
            new_password="short",
            keep_token=owner.session_token,
            ip="1.1.1.1",
            now=now,
        )
    profile.change_password(
        session,
        user_id=owner.user_id,
        current_password="s3cret-pass",
        new_password="brand-new-pass",
        keep_token=owner.session_token,
        ip="1.1.1.1",
        now=now,
    )
    with pytest.raises(InvalidInput):
        auth.log_in(session, email="owner@brand.com", password="s3cret-pass", ip="1.1.1.1", now=now)
    assert auth.log_in(
        session, email="owner@brand.com", password="brand-new-pass", ip="1.1.1.1", now=now
    )


def _sessions_of(session, user_id):
    return session.exec(select(AuthSession).where(AuthSession.user_id == user_id)).all()


def test_changing_the_password_ends_every_other_session_but_this_one(session, now):
    here = factories.workspace(session, now=now)
    phone = factories.log_in(session, ip="5.5.5.5", at=now)
    laptop = factories.log_in(session, ip="6.6.6.6", at=now)
    other = factories.workspace(
        session, email="other@brand.com", password="other-pass", name="O", now=now
    )
    ended = profile.change_password(
        session,
        user_id=here.user_id,
        current_password="s3cret-pass",
        new_password="brand-new-pass",
        keep_token=here.session_token,
        ip="1.1.1.1",
        now=now,
    )
    assert ended == 2
    assert auth.current_viewer(session, token=here.session_token, now=now) is not None
    for gone in (phone, laptop):
        assert auth.current_viewer(session, token=gone.session_token, now=now) is None
    assert auth.current_viewer(session, token=other.session_token, now=now) is not None


def test_a_wrong_current_password_ends_no_session(session, now):
    here = factories.workspace(session, now=now)
    phone = factories.log_in(session, ip="5.5.5.5", at=now)
    with pytest.raises(InvalidInput, match="current password"):
        profile.change_password(
            session,
            user_id=here.user_id,
            current_password="guess-guess",
            new_password="brand-new-pass",
            keep_token=here.session_token,
            ip="1.1.1.1",
            now=now,
        )
    assert auth.current_viewer(session, token=phone.session_token, now=now) is not None


def test_log_out_other_sessions_keeps_only_this_browser(session, now):
    here = factories.workspace(session, now=now)
    phone = factories.log_in(session, ip="5.5.5.5", at=now)
    assert auth.log_out_other_sessions(session, token=here.session_token, now=now) == 1
    assert auth.current_viewer(session, token=phone.session_token, now=now) is None
    assert [s.token_hash for s in _sessions_of(session, here.user_id)] == [
        sha256_hex(here.session_token)
    ]
    assert auth.log_out_other_sessions(session, token=here.session_token, now=now) == 0


def test_log_out_other_sessions_needs_a_live_session(session, now):
    here = factories.workspace(session, now=now)
    phone = factories.log_in(session, ip="5.5.5.5", at=now)
    auth.log_out(session, token=phone.session_token)
    for token in (phone.session_token, None, "forged"):
        with pytest.raises(NotAllowed):
            auth.log_out_other_sessions(session, token=token, now=now)
    assert auth.current_viewer(session, token=here.session_token, now=now) is not None


# --- addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["🚀@example.org", "josé@example.com", "team@bücher.de"])
def test_addresses_outside_ascii_are_refused_with_a_message_that_says_why(address):
    with pytest.raises(InvalidInput, match="plain ASCII") as refused:
        auth.normalize_email(f" {address} ")
    assert refused.value.field == "email" and address in refused.value.message
