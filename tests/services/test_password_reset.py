"""Forgot password: the emailed one-time link, as its owner and as an attacker meet it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from archive_app.crypto import sha256_hex
from archive_app.models.auth import AuthSession
from archive_app.models.notifications import OutboxEmail
from archive_app.models.password_reset import PasswordReset
from archive_app.services import admin, auth, password_reset, profile
from archive_app.services.errors import InvalidInput, NotFound
from archive_app.services.mail_quota import PER_ADDRESS_PER_HOUR
from archive_app.services.signup import sign_up

BASE = "https://archive.brand.example"
LINK = re.compile(re.escape(BASE) + r"/reset/([A-Za-z0-9_-]+)")


@pytest.fixture
def owner(session: Session, now):
    signed_in = sign_up(
        session, email="owner@brand.com", password="old-pass-1", workspace_name="Brand", now=now
    )
    session.commit()
    return signed_in


def _ask(session: Session, now, email="owner@brand.com") -> None:
    password_reset.request_reset(session, email=email, base_url=BASE, now=now)
    session.commit()


def _mails(session: Session) -> list[OutboxEmail]:
    return list(
        session.exec(
            select(OutboxEmail)
            .where(OutboxEmail.dedupe_key.startswith("reset:"))  # type: ignore[union-attr]
            .order_by(OutboxEmail.id)  # type: ignore[arg-type]
        ).all()
    )


def _token_from_last_mail(session: Session) -> str:
    match = LINK.search(_mails(session)[-1].text_body)
    assert match, _mails(session)[-1].text_body
    return match.group(1)


def test_the_mail_holds_a_link_whose_token_is_stored_only_as_its_sha256(session, now, owner):
    _ask(session, now, email=" Owner@Brand.com ")
    [mail] = _mails(session)
    assert mail.to_address == "owner@brand.com"
    assert mail.subject == "Reset your Archive password"
    assert "expires in 1 hour" in mail.text_body
    assert "If you didn't ask for this, ignore this mail: your password stays as it is." in (
        mail.text_body
    )
    token = _token_from_last_mail(session)
    row = session.exec(select(PasswordReset)).one()
    assert mail.dedupe_key == f"reset:{row.id}"
    assert row.token_hash == sha256_hex(token) and token not in row.token_hash
    assert row.expires_at == now + timedelta(hours=1)


def test_an_unknown_address_gets_the_same_answer_and_no_mail_or_row(session, now, owner):
    result = password_reset.request_reset(session, email="nobody@brand.com", base_url=BASE, now=now)
    session.commit()
    assert result is None  # the same (empty) answer as for a known address
    assert _mails(session) == [] and session.exec(select(PasswordReset)).all() == []


def test_text_that_is_not_an_address_is_refused_with_a_reason(session, now, owner):
    with pytest.raises(InvalidInput, match="not a valid email"):
        password_reset.request_reset(session, email="owner", base_url=BASE, now=now)


def test_the_link_sets_the_password_ends_every_session_and_signs_in(session, now, owner):
    other_browser = auth.log_in(
        session, email="owner@brand.com", password="old-pass-1", ip="10.0.0.9", now=now
    )
    session.commit()
    _ask(session, now)
    token = _token_from_last_mail(session)
    assert password_reset.describe_reset(session, token=token, now=now).email == "owner@brand.com"

    done = password_reset.reset_password(
        session, token=token, password="new-pass-12", now=now + timedelta(minutes=5)
    )
    session.commit()
    signed_in = done.signed_in
    assert done.workspace_ids == (owner.workspace_id,)  # its open tabs are told
    assert auth.current_viewer(session, token=owner.session_token, now=now) is None
    assert auth.current_viewer(session, token=other_browser.session_token, now=now) is None
    viewer = auth.current_viewer(session, token=signed_in.session_token, now=now)
    assert viewer is not None and viewer.email == "owner@brand.com"
    assert [s.token_hash for s in session.exec(select(AuthSession)).all()] == [
        sha256_hex(signed_in.session_token)
    ]
    with pytest.raises(InvalidInput):
        auth.log_in(session, email="owner@brand.com", password="old-pass-1", ip="1.1.1.1", now=now)
    assert auth.log_in(
        session, email="owner@brand.com", password="new-pass-12", ip="1.1.1.1", now=now
    )


def test_the_link_works_only_once(session, now, owner):
    _ask(session, now)
    token = _token_from_last_mail(session)
    password_reset.reset_password(session, token=token, password="new-pass-12", now=now)
    session.commit()
    with pytest.raises(NotFound, match="Ask for a new link"):
        password_reset.reset_password(session, token=token, password="evil-pass-12", now=now)
    with pytest.raises(NotFound):
        password_reset.describe_reset(session, token=token, now=now)


def test_the_link_expires_after_one_hour(session, now, owner):
    _ask(session, now)
    token = _token_from_last_mail(session)
    just_before = now + timedelta(minutes=59, seconds=59)
    assert password_reset.describe_reset(session, token=token, now=just_before)
    with pytest.raises(NotFound, match="for 1 hour"):
        password_reset.reset_password(
            session, token=token, password="new-pass-12", now=now + timedelta(hours=1)
        )
    user = auth.find_user(session, email="owner@brand.com")
    assert user is not None and auth.verify_password(user.password_hash, "old-pass-1")


def test_a_later_password_change_on_the_profile_ends_the_link(session, now, owner):
    _ask(session, now)
    token = _token_from_last_mail(session)
    profile.change_password(
        session,
        user_id=owner.user_id,
        current_password="old-pass-1",
        new_password="changed-pass-1",
        keep_token=owner.session_token,
        ip="10.0.0.9",
        now=now,
    )
    session.commit()
    with pytest.raises(NotFound, match="password changes"):
        password_reset.reset_password(session, token=token, password="evil-pass-12", now=now)


def test_the_operators_reset_ends_the_link(session, now, owner):
    _ask(session, now)
    token = _token_from_last_mail(session)
    admin.reset_password(session, email="owner@brand.com", new_password="operator-pass-1")
    session.commit()
    with pytest.raises(NotFound):
        password_reset.describe_reset(session, token=token, now=now)


def test_using_one_link_ends_the_links_sent_before_it(session, now, owner):
    _ask(session, now)
    first = _token_from_last_mail(session)
    _ask(session, now + timedelta(minutes=1))
    second = _token_from_last_mail(session)
    assert first != second
    password_reset.reset_password(session, token=second, password="new-pass-12", now=now)
    session.commit()
    with pytest.raises(NotFound):
        password_reset.reset_password(session, token=first, password="evil-pass-12", now=now)


def test_a_wrong_or_missing_token_is_refused(session, now, owner):
    for token in ("", "nope", sha256_hex("x")):
        with pytest.raises(NotFound):
            password_reset.reset_password(session, token=token, password="new-pass-12", now=now)


def test_a_too_short_new_password_is_refused_and_the_link_still_works(session, now, owner):
    _ask(session, now)
    token = _token_from_last_mail(session)
    with pytest.raises(InvalidInput, match="at least 8 characters"):
        password_reset.reset_password(session, token=token, password="short", now=now)
    session.rollback()
    assert password_reset.describe_reset(session, token=token, now=now)


def test_at_most_three_reset_mails_per_address_per_hour(session, now, owner):
    for minute in range(PER_ADDRESS_PER_HOUR + 2):
        _ask(session, now + timedelta(minutes=minute))
    assert len(_mails(session)) == PER_ADDRESS_PER_HOUR == 3
    _ask(session, now + timedelta(hours=1, minutes=1))
    assert len(_mails(session)) == 4
