"""Account mail is capped per address and in all per hour, counted over the outbox."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import func, select

from archive_app.mail.messages import EmailMessage
from archive_app.models.notifications import OutboxEmail
from archive_app.services import mail_quota, outbox, signup


def _queue(session, *, to: str, key: str, at) -> None:
    message = EmailMessage(to=to, subject="s", text="t", html="<p>t</p>")
    outbox.enqueue(session, message=message, dedupe_key=key, now=at)
    session.flush()


def test_a_fourth_account_mail_to_one_address_in_an_hour_is_not_allowed(session, now):
    for i, prefix in enumerate(("signup:", "reset:", "email-change:")):
        assert mail_quota.account_mail_allowed(session, address="a@brand.com", now=now)
        _queue(session, to="a@brand.com", key=f"{prefix}{i}", at=now)
    assert not mail_quota.account_mail_allowed(session, address="A@Brand.com ", now=now)
    assert mail_quota.account_mail_allowed(session, address="b@brand.com", now=now)
    # An hour later the address may have mail again.
    later = now + mail_quota.WINDOW + timedelta(seconds=1)
    assert mail_quota.account_mail_allowed(session, address="a@brand.com", now=later)


def test_other_mail_to_the_address_does_not_count(session, now):
    for i in range(5):
        _queue(session, to="a@brand.com", key=f"disconnect:source=1:episode={i}", at=now)
    assert mail_quota.account_mail_allowed(session, address="a@brand.com", now=now)


def test_all_account_mail_in_an_hour_is_capped_in_total(session, now):
    for i in range(mail_quota.TOTAL_PER_HOUR):
        _queue(session, to=f"p{i}@brand.com", key=f"signup-known:{i}", at=now)
    assert not mail_quota.account_mail_allowed(session, address="fresh@brand.com", now=now)


def test_a_sign_up_over_the_total_cap_queues_nothing_and_answers_the_same(session, now):
    for i in range(mail_quota.TOTAL_PER_HOUR):
        _queue(session, to=f"p{i}@brand.com", key=f"reset:{i}", at=now)
    before = session.exec(select(func.count()).select_from(OutboxEmail)).one()
    answer = signup.request_sign_up(
        session,
        email="New@Brand.com",
        password="long-pass-1",
        workspace_name="Brand",
        base_url="http://archive.test",
        now=now,
    )
    assert answer.email == "new@brand.com" and answer.browser_token
    assert session.exec(select(func.count()).select_from(OutboxEmail)).one() == before
