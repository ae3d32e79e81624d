"""Changing the profile address by an emailed link, and password checks through the throttle."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from archive_app.models.notifications import OutboxEmail
from archive_app.models.workspaces import User
from archive_app.services import auth, email_change, mail_quota, profile
from archive_app.services.email_change import Outcome
from archive_app.services.errors import InvalidInput, RateLimited
from tests import factories

BASE = "http://archive.test"


def _request(session, now, user_id, new_email, password="s3cret-pass", ip="1.1.1.1"):
    return email_change.request_email_change(
        session,
        user_id=user_id,
        new_email=new_email,
        password=password,
        ip=ip,
        base_url=BASE,
        now=now,
    )


def _mails_to(session, address) -> list[OutboxEmail]:
    return list(
        session.exec(
            select(OutboxEmail).where(OutboxEmail.to_address == address).order_by(OutboxEmail.id)
        ).all()
    )


def _link_token(mail: OutboxEmail) -> str:
    return mail.text_body.split(f"{BASE}{email_change.CONFIRM_PATH}/", 1)[1].split()[0]


def _email_of(session, user_id) -> str:
    session.expire_all()
    user = session.get(User, user_id)
    assert user is not None
    return user.email


def test_the_links_page_shows_the_new_address_and_changes_nothing(session, now):
    owner = factories.workspace(session, now=now)
    _request(session, now, owner.user_id, "new@brand.com")
    (mail,) = _mails_to(session, "new@brand.com")
    token = _link_token(mail)
    for _ in range(3):  # a mail scanner, a preview, the person: opening it is harmless
        shown = email_change.pending_email_change(session, token=token, now=now)
        assert shown == "new@brand.com"
    assert _email_of(session, owner.user_id) == "owner@brand.com"
    late = now + email_change.LINK_LIFETIME + timedelta(seconds=1)
    assert email_change.pending_email_change(session, token=token, now=late) == Outcome.expired
    assert email_change.pending_email_change(session, token="x", now=now) == Outcome.invalid


def test_saving_a_new_address_changes_nothing_until_the_mailed_link_is_opened(session, now):
    owner = factories.workspace(session, now=now)
    assert _request(session, now, owner.user_id, " New@Brand.com") == "new@brand.com"
    assert _email_of(session, owner.user_id) == "owner@brand.com"
    (mail,) = _mails_to(session, "new@brand.com")
    assert mail.dedupe_key.startswith("email-change:")
    assert mail.subject == "Confirm your new Archive email address"
    result = email_change.confirm_email_change(
        session, token=_link_token(mail), base_url=BASE, now=now + timedelta(minutes=59)
    )
    assert result.outcome == Outcome.changed and result.user_id == owner.user_id
    assert _email_of(session, owner.user_id) == "new@brand.com"
    # The old address hears about it.
    (notice,) = _mails_to(session, "owner@brand.com")
    assert notice.subject == "Your Archive email address was changed"
    assert "new@brand.com" in notice.text_body


def test_the_answer_is_the_same_when_another_account_uses_the_address(session, now):
    owner = factories.workspace(session, now=now)
    factories.workspace(session, now=now, email="taken@brand.com", password="other-pass")
    answers = [
        email_change.sent_message(_request(session, now, owner.user_id, address))
        for address in ("taken@brand.com", "free@brand.com")
    ]
    assert answers == [
        "We sent a link to taken@brand.com. Your address changes when you open it.",
        "We sent a link to free@brand.com. Your address changes when you open it.",
    ]
    # Only the taken address's mailbox learns why no link came.
    (note,) = _mails_to(session, "taken@brand.com")
    assert "already uses it" in note.text_body
    assert email_change.CONFIRM_PATH not in note.text_body
    assert _email_of(session, owner.user_id) == "owner@brand.com"


def test_a_link_works_once_and_for_one_hour(session, now):
    owner = factories.workspace(session, now=now)
    _request(session, now, owner.user_id, "late@brand.com")
    late = _link_token(_mails_to(session, "late@brand.com")[0])
    expired = email_change.confirm_email_change(
        session, token=late, base_url=BASE, now=now + timedelta(hours=1, seconds=1)
    )
    assert expired.outcome == Outcome.expired
    _request(session, now, owner.user_id, "once@brand.com")
    once = _link_token(_mails_to(session, "once@brand.com")[0])
    first = email_change.confirm_email_change(session, token=once, base_url=BASE, now=now)
    second = email_change.confirm_email_change(session, token=once, base_url=BASE, now=now)
    assert (first.outcome, second.outcome) == (Outcome.changed, Outcome.used)
    made_up = email_change.confirm_email_change(session, token="made-up", base_url=BASE, now=now)
    assert made_up.outcome == Outcome.invalid
    assert _email_of(session, owner.user_id) == "once@brand.com"


def test_only_the_newest_link_works(session, now):
    owner = factories.workspace(session, now=now)
    _request(session, now, owner.user_id, "first@brand.com")
    _request(session, now, owner.user_id, "second@brand.com")
    first = _link_token(_mails_to(session, "first@brand.com")[0])
    assert (
        email_change.confirm_email_change(session, token=first, base_url=BASE, now=now).outcome
        == Outcome.used
    )
    assert _email_of(session, owner.user_id) == "owner@brand.com"


def test_an_address_taken_before_the_link_is_opened_changes_nothing(session, now):
    owner = factories.workspace(session, now=now)
    _request(session, now, owner.user_id, "race@brand.com")
    token = _link_token(_mails_to(session, "race@brand.com")[0])
    factories.workspace(session, now=now, email="race@brand.com", password="racer-pass")
    result = email_change.confirm_email_change(session, token=token, base_url=BASE, now=now)
    assert result.outcome == Outcome.taken
    assert _email_of(session, owner.user_id) == "owner@brand.com"
    assert _mails_to(session, "owner@brand.com") == []


def test_past_the_hourly_mail_cap_nothing_is_queued_and_the_answer_is_the_same(session, now):
    owner = factories.workspace(session, now=now)
    answers = []
    for n in range(mail_quota.PER_ADDRESS_PER_HOUR + 2):
        at = now + timedelta(minutes=n)
        answers.append(_request(session, at, owner.user_id, "flood@brand.com"))
    assert set(answers) == {"flood@brand.com"}
    assert len(_mails_to(session, "flood@brand.com")) == mail_quota.PER_ADDRESS_PER_HOUR


def test_a_wrong_password_or_a_bad_address_changes_nothing(session, now):
    owner = factories.workspace(session, now=now)
    with pytest.raises(InvalidInput, match="current password"):
        _request(session, now, owner.user_id, "new@brand.com", password="bad-guess")
    with pytest.raises(InvalidInput, match="plain ASCII"):
        _request(session, now, owner.user_id, "🚀@example.org")
    with pytest.raises(InvalidInput, match="already your address"):
        _request(session, now, owner.user_id, "OWNER@brand.com")
    assert session.exec(select(OutboxEmail)).all() == []


def _wrong_then_commit(session, now, fn) -> None:
    """One refused attempt as a State runs it: in a unit of work that keeps the failure."""
    with pytest.raises(InvalidInput, match="current password"):
        profile.keeping_password_failures(session, fn)
    session.rollback()  # what the state's unit of work does after the refusal


def test_five_wrong_current_passwords_then_even_the_right_one_waits(session, now):
    owner = factories.workspace(session, now=now)
    for _ in range(5):
        _wrong_then_commit(
            session,
            now,
            lambda s: _request(s, now, owner.user_id, "new@brand.com", password="bad-guess"),
        )
    with pytest.raises(RateLimited, match=r"Too many failed attempts\. Try again in 1 minute\."):
        _request(session, now, owner.user_id, "new@brand.com")
    with pytest.raises(RateLimited, match="Too many failed attempts"):
        profile.change_password(
            session,
            user_id=owner.user_id,
            current_password="s3cret-pass",
            new_password="brand-new-pass",
            keep_token=owner.session_token,
            ip="1.1.1.1",
            now=now,
        )
    # The same person from another address is not locked out by these failures.
    assert _request(session, now, owner.user_id, "new@brand.com", ip="2.2.2.2")


def test_wrong_current_passwords_on_the_password_form_are_counted_too(session, now):
    owner = factories.workspace(session, now=now)

    def change(s, password):
        return profile.change_password(
            s,
            user_id=owner.user_id,
            current_password=password,
            new_password="brand-new-pass",
            keep_token=owner.session_token,
            ip="1.1.1.1",
            now=now,
        )

    for _ in range(5):
        _wrong_then_commit(session, now, lambda s: change(s, "bad-guess"))
    with pytest.raises(RateLimited, match="Too many failed attempts"):
        change(session, "s3cret-pass")
    assert auth.log_in(
        session, email="owner@brand.com", password="s3cret-pass", ip="3.3.3.3", now=now
    )
