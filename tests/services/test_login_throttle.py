"""Login throttling, as a person experiences it: per (email, IP) pair delays and a per-IP
ceiling, so a stranger never locks you out and one colleague never locks the office."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest

from archive_app.services import auth, login_throttle
from archive_app.services.errors import InvalidInput, RateLimited
from tests import factories


def _fail(session, *, email="owner@brand.com", ip="1.1.1.1", at):
    with pytest.raises(InvalidInput, match="don't match"):
        auth.log_in(session, email=email, password="bad-pass-1", ip=ip, now=at)


def test_a_stranger_failing_on_your_email_from_another_ip_never_locks_you_out(session, now):
    factories.workspace(session, now=now)
    for i in range(50):
        # The attacker's own pair is made to wait; the victim's is not.
        with contextlib.suppress(RateLimited):
            _fail(session, ip="6.6.6.6", at=now + timedelta(minutes=i * 2))
    later = now + timedelta(minutes=100)
    with pytest.raises(RateLimited):
        factories.log_in(session, ip="6.6.6.6", at=later)
    assert factories.log_in(session, ip="10.0.0.7", at=later)  # the victim, from home
    # ... and the victim's own typo from home is just a typo.
    _fail(session, ip="10.0.0.7", at=later)
    assert factories.log_in(session, ip="10.0.0.7", at=later)


def test_one_person_failing_at_the_office_does_not_lock_colleagues_on_the_same_ip(session, now):
    factories.workspace(session, now=now)
    factories.workspace(session, email="mate@brand.com", password="mate-pass-1", name="B", now=now)
    office = "203.0.113.9"
    for i in range(login_throttle.FREE_FAILURES):
        _fail(session, email="mate@brand.com", ip=office, at=now + timedelta(seconds=i))
    with pytest.raises(RateLimited):
        factories.log_in(session, email="mate@brand.com", ip=office, at=now + timedelta(seconds=10))
    assert factories.log_in(session, ip=office, at=now + timedelta(seconds=10))


def test_failures_of_one_email_and_ip_wait_twice_as_long_each_time(session, now):
    factories.workspace(session, now=now)
    at = now
    for _ in range(login_throttle.FREE_FAILURES):
        _fail(session, at=at)
    waits = []
    for _ in range(4):
        with pytest.raises(RateLimited, match=r"Try again in \d+ minutes?\.") as limited:
            factories.log_in(session, at=at)  # refused even with the right password, for now
        waits.append(limited.value.retry_after_minutes)
        at += timedelta(minutes=limited.value.retry_after_minutes)
        _fail(session, at=at)
    assert waits == [1, 2, 4, 8]
    assert str(limited.value) == "Too many failed attempts. Try again in 8 minutes."
    assert login_throttle.pair_delay(100) == login_throttle.MAX_DELAY  # capped
    at += timedelta(minutes=16)
    assert factories.log_in(session, at=at)  # after the wait, the right password works
    _fail(session, at=at)  # and a success starts the pair's count again
    assert factories.log_in(session, at=at)


def test_one_ip_failing_on_many_accounts_hits_the_per_ip_ceiling(session, now):
    factories.workspace(session, now=now)
    for i in range(login_throttle.IP_MAX_FAILURES - 1):
        _fail(session, email=f"guess{i}@brand.com", ip="6.6.6.6", at=now)
    _fail(session, email="owner@brand.com", ip="6.6.6.6", at=now)
    with pytest.raises(RateLimited, match="Try again in 10 minutes"):
        factories.log_in(session, email="another@brand.com", ip="6.6.6.6", at=now)
    assert factories.log_in(session, ip="7.7.7.7", at=now)  # other addresses are not affected
    assert factories.log_in(
        session, ip="6.6.6.6", at=now + login_throttle.IP_WINDOW + timedelta(seconds=1)
    )


def test_the_per_ip_ceiling_is_far_above_an_office_of_typos(session, now):
    factories.workspace(session, now=now)
    for i in range(30):  # thirty colleagues, one typo each
        _fail(session, email=f"colleague{i}@brand.com", ip="203.0.113.9", at=now)
    assert factories.log_in(session, ip="203.0.113.9", at=now)


# --- a browser with a device cookie for the account (OWASP "device cookie") ---------------


def _device(session, email="owner@brand.com", device_id="dev-laptop-0123456789"):
    user = auth.find_user(session, email=email)
    return auth.KnownDevice(user_id=user.id, device_id=device_id)


def test_a_known_device_is_not_locked_by_failures_of_its_shared_address(session, now):
    factories.workspace(session, now=now)
    office = "203.0.113.9"
    for i in range(login_throttle.IP_MAX_FAILURES):
        with contextlib.suppress(RateLimited):
            _fail(session, email=f"g{i}@brand.com", ip=office, at=now)
    for _ in range(login_throttle.FREE_FAILURES + 1):
        with contextlib.suppress(RateLimited):
            _fail(session, ip=office, at=now)
    with pytest.raises(RateLimited):
        factories.log_in(session, ip=office, at=now)
    laptop = _device(session)
    assert auth.log_in(
        session, email="owner@brand.com", password="s3cret-pass", ip=office, now=now, device=laptop
    )


def test_a_known_devices_own_failures_count_wherever_it_goes(session, now):
    factories.workspace(session, now=now)
    laptop = _device(session)
    for i in range(login_throttle.FREE_FAILURES):
        with pytest.raises(InvalidInput):
            auth.log_in(
                session,
                email="owner@brand.com",
                password="typo-typo",
                ip=f"10.0.0.{i}",  # a laptop on the move
                now=now,
                device=laptop,
            )
    with pytest.raises(RateLimited, match="Try again in 1 minute"):
        auth.log_in(
            session,
            email="owner@brand.com",
            password="s3cret-pass",
            ip="10.0.0.99",
            now=now,
            device=laptop,
        )


def test_a_device_cookie_for_another_account_gives_no_exemption(session, now):
    factories.workspace(session, now=now)
    factories.workspace(session, email="mate@brand.com", password="mate-pass-1", name="B", now=now)
    for _ in range(login_throttle.FREE_FAILURES):
        _fail(session, ip="6.6.6.6", at=now)
    mates_laptop = _device(session, email="mate@brand.com")
    with pytest.raises(RateLimited):
        auth.log_in(
            session,
            email="owner@brand.com",
            password="s3cret-pass",
            ip="6.6.6.6",
            now=now,
            device=mates_laptop,
        )


def test_a_known_devices_success_does_not_give_a_stranger_at_its_address_fresh_tries(session, now):
    factories.workspace(session, now=now)
    office = "203.0.113.9"
    for _ in range(login_throttle.FREE_FAILURES):
        _fail(session, ip=office, at=now)  # a stranger in the same office
    laptop = _device(session)
    assert auth.log_in(
        session, email="owner@brand.com", password="s3cret-pass", ip=office, now=now, device=laptop
    )
    with pytest.raises(RateLimited):  # the stranger's pair still waits
        factories.log_in(session, ip=office, at=now, password="another-guess")
