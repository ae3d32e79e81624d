"""Sign-up, log-in, sessions, rate limiting and profile changes, as a person experiences them."""

from __future__ import annotations

import contextlib
import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from archive_app.crypto import sha256_hex
from archive_app.models.auth import AuthSession
from archive_app.models.notifications import OutboxEmail
from archive_app.models.workspaces import Membership, Role, User
from archive_app.services import auth
from archive_app.services.errors import InvalidInput, NotAllowed, NotFound, RateLimited


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


def _fail(session, *, email="owner@brand.com", ip="1.1.1.1", at):
    with pytest.raises(InvalidInput, match="don't match"):
        auth.log_in(session, email=email, password="bad-pass-1", ip=ip, now=at)


def _log_in(session, *, email="owner@brand.com", ip="1.1.1.1", at, password="s3cret-pass"):
    return auth.log_in(session, email=email, password=password, ip=ip, now=at)


def test_a_stranger_failing_on_your_email_from_another_ip_never_locks_you_out(session, now):
    _signup(session, now)
    for i in range(50):
        # The attacker's own pair is made to wait; the victim's is not.
        with contextlib.suppress(RateLimited):
            _fail(session, ip="6.6.6.6", at=now + timedelta(minutes=i * 2))
    later = now + timedelta(minutes=100)
    with pytest.raises(RateLimited):
        _log_in(session, ip="6.6.6.6", at=later)
    assert _log_in(session, ip="10.0.0.7", at=later)  # the victim, from home
    # ... and the victim's own typo from home is just a typo.
    _fail(session, ip="10.0.0.7", at=later)
    assert _log_in(session, ip="10.0.0.7", at=later)


def test_one_person_failing_at_the_office_does_not_lock_colleagues_on_the_same_ip(session, now):
    _signup(session, now)
    auth.sign_up(
        session, email="mate@brand.com", password="mate-pass-1", workspace_name="B", now=now
    )
    office = "203.0.113.9"
    for i in range(auth.FREE_FAILURES):
        _fail(session, email="mate@brand.com", ip=office, at=now + timedelta(seconds=i))
    with pytest.raises(RateLimited):
        _log_in(session, email="mate@brand.com", ip=office, at=now + timedelta(seconds=10))
    assert _log_in(session, ip=office, at=now + timedelta(seconds=10))


def test_failures_of_one_email_and_ip_wait_twice_as_long_each_time(session, now):
    _signup(session, now)
    at = now
    for _ in range(auth.FREE_FAILURES):
        _fail(session, at=at)
    waits = []
    for _ in range(4):
        with pytest.raises(RateLimited, match=r"Try again in \d+ minutes?\.") as limited:
            _log_in(session, at=at)  # refused even with the right password, for now
        waits.append(limited.value.retry_after_minutes)
        at += timedelta(minutes=limited.value.retry_after_minutes)
        _fail(session, at=at)
    assert waits == [1, 2, 4, 8]
    assert str(limited.value) == "Too many failed attempts. Try again in 8 minutes."
    assert auth.pair_delay(100) == auth.MAX_DELAY  # capped
    at += timedelta(minutes=16)
    assert _log_in(session, at=at)  # after the wait, the right password works
    _fail(session, at=at)  # and a success starts the pair's count again
    assert _log_in(session, at=at)


def test_one_ip_failing_on_many_accounts_hits_the_per_ip_ceiling(session, now):
    _signup(session, now)
    for i in range(auth.IP_MAX_FAILURES - 1):
        _fail(session, email=f"guess{i}@brand.com", ip="6.6.6.6", at=now)
    _fail(session, email="owner@brand.com", ip="6.6.6.6", at=now)
    with pytest.raises(RateLimited, match="Try again in 10 minutes"):
        _log_in(session, email="another@brand.com", ip="6.6.6.6", at=now)
    assert _log_in(session, ip="7.7.7.7", at=now)  # other addresses are not affected
    assert _log_in(session, ip="6.6.6.6", at=now + auth.IP_WINDOW + timedelta(seconds=1))


def test_the_per_ip_ceiling_is_far_above_an_office_of_typos(session, now):
    _signup(session, now)
    for i in range(30):  # thirty colleagues, one typo each
        _fail(session, email=f"colleague{i}@brand.com", ip="203.0.113.9", at=now)
    assert _log_in(session, ip="203.0.113.9", at=now)


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
            session,
            user_id=owner.user_id,
            current_password="s3cret-pass",
            new_password="short",
            keep_token=owner.session_token,
        )
    auth.change_password(
        session,
        user_id=owner.user_id,
        current_password="s3cret-pass",
        new_password="brand-new-pass",
        keep_token=owner.session_token,
    )
    with pytest.raises(InvalidInput):
        auth.log_in(session, email="owner@brand.com", password="s3cret-pass", ip="1.1.1.1", now=now)
    assert auth.log_in(
        session, email="owner@brand.com", password="brand-new-pass", ip="1.1.1.1", now=now
    )


def _sessions_of(session, user_id):
    return session.exec(select(AuthSession).where(AuthSession.user_id == user_id)).all()


def test_changing_the_password_ends_every_other_session_but_this_one(session, now):
    here = _signup(session, now)
    phone = _log_in(session, ip="5.5.5.5", at=now)
    laptop = _log_in(session, ip="6.6.6.6", at=now)
    other = auth.sign_up(
        session, email="other@brand.com", password="other-pass", workspace_name="O", now=now
    )
    ended = auth.change_password(
        session,
        user_id=here.user_id,
        current_password="s3cret-pass",
        new_password="brand-new-pass",
        keep_token=here.session_token,
    )
    assert ended == 2
    assert auth.current_viewer(session, token=here.session_token, now=now) is not None
    for gone in (phone, laptop):
        assert auth.current_viewer(session, token=gone.session_token, now=now) is None
    assert auth.current_viewer(session, token=other.session_token, now=now) is not None


def test_a_wrong_current_password_ends_no_session(session, now):
    here = _signup(session, now)
    phone = _log_in(session, ip="5.5.5.5", at=now)
    with pytest.raises(InvalidInput, match="current password"):
        auth.change_password(
            session,
            user_id=here.user_id,
            current_password="guess-guess",
            new_password="brand-new-pass",
            keep_token=here.session_token,
        )
    assert auth.current_viewer(session, token=phone.session_token, now=now) is not None


def test_log_out_other_sessions_keeps_only_this_browser(session, now):
    here = _signup(session, now)
    phone = _log_in(session, ip="5.5.5.5", at=now)
    assert auth.log_out_other_sessions(session, token=here.session_token, now=now) == 1
    assert auth.current_viewer(session, token=phone.session_token, now=now) is None
    assert [s.token_hash for s in _sessions_of(session, here.user_id)] == [
        sha256_hex(here.session_token)
    ]
    assert auth.log_out_other_sessions(session, token=here.session_token, now=now) == 0


def test_log_out_other_sessions_needs_a_live_session(session, now):
    here = _signup(session, now)
    phone = _log_in(session, ip="5.5.5.5", at=now)
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


def test_a_profile_email_outside_ascii_is_refused_and_nothing_changes(session, now):
    owner = _signup(session, now)
    with pytest.raises(InvalidInput, match="plain ASCII"):
        auth.change_email(
            session, user_id=owner.user_id, new_email="🚀@example.org", password="s3cret-pass"
        )
    assert session.get(User, owner.user_id).email == "owner@brand.com"


# --- sign-up by email link ------------------------------------------------------------------

BASE = "http://archive.test"


def _request(session, now, email="new@brand.com", password="new-pass-1", name="New Brand"):
    requested = auth.request_sign_up(
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
    _signup(session, now)  # owner@brand.com has an account
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
        auth.confirm_sign_up(session, token=token, browser_token=None, now=now)
    with pytest.raises(NotAllowed):
        auth.confirm_sign_up(session, token=token, browser_token="another-browser", now=now)
    assert session.exec(select(User)).all() == []
    signed_in = auth.confirm_sign_up(
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
    auth.confirm_sign_up(session, token=link_first, browser_token=first.browser_token, now=now)
    with pytest.raises(NotFound, match="no longer valid"):
        auth.confirm_sign_up(session, token=link_first, browser_token=first.browser_token, now=now)
    with pytest.raises(NotFound, match="no longer valid"):
        auth.confirm_sign_up(
            session,
            token=link_second,
            browser_token=second.browser_token,
            now=now + auth.SIGNUP_LINK_LIFETIME + timedelta(seconds=1),
        )
    with pytest.raises(NotFound):
        auth.confirm_sign_up(session, token="made-up", browser_token="x", now=now)


def test_a_stranger_signing_up_with_your_address_cannot_set_your_password(session, now):
    stranger = _request(session, now, password="stranger-pass")
    mine = _request(session, now, password="my-own-pass")
    stranger_link, my_link = (_link(m) for m in _mails(session))
    # The stranger's link, opened by the rightful owner in their own browser, does nothing.
    with pytest.raises(NotAllowed):
        auth.confirm_sign_up(
            session, token=stranger_link, browser_token=mine.browser_token, now=now
        )
    auth.confirm_sign_up(session, token=my_link, browser_token=mine.browser_token, now=now)
    with pytest.raises(NotFound, match="already has an Archive account"):
        auth.confirm_sign_up(
            session, token=stranger_link, browser_token=stranger.browser_token, now=now
        )
    assert auth.log_in(session, email="new@brand.com", password="my-own-pass", ip="1", now=now)


def test_sign_up_mail_to_one_address_is_capped(session, now):
    _signup(session, now)
    for _ in range(10):
        _request(session, now)
        _request(session, now, email="owner@brand.com")
    by_address = [m.to_address for m in _mails(session)]
    assert by_address.count("new@brand.com") == auth.SIGNUP_MAILS_PER_HOUR
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
