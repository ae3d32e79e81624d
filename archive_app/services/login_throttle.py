"""Login throttling: how often one (email, IP address) pair, and one IP address, may fail.

Why it is shaped like this: failures are counted per (email, IP address) pair, so a stranger
typing wrong passwords for your email from elsewhere never locks you out, and one colleague's
typos never lock the office. After ``FREE_FAILURES`` failures of one pair, each further try
waits twice as long as the last (1, 2, 4 … minutes, at most ``MAX_DELAY``). An IP address with
``IP_MAX_FAILURES`` failures over all emails in ``IP_WINDOW`` is refused altogether for the rest
of that window. A pair's count starts again after a success from it.

A browser that logged in to the account before carries a device cookie (OWASP's "device
cookie", ``web/device_cookie.py``); the caller passes its random id as ``device`` once it has
checked the cookie names the account of ``email``. Such a try is judged only by that browser's
own failures (the same delays, keyed by the device), never by the pair's or the address's:
whoever fails from the same office, the same proxy or a botnet cannot lock it out.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_
from sqlmodel import Session, col, select

from archive_app.clock import utc
from archive_app.models.auth import LoginAttempt
from archive_app.services.errors import RateLimited

FREE_FAILURES = 5
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)
PAIR_MEMORY = timedelta(days=1)  # a pair's failures older than this are forgotten
IP_MAX_FAILURES = 100
IP_WINDOW = timedelta(minutes=10)


def _wait_message(until: datetime, now: datetime) -> RateLimited:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return RateLimited(
        f"Too many failed attempts. Try again in {minutes} {unit}.",
        retry_after_minutes=minutes,
    )


def pair_delay(failures: int) -> timedelta:
    """How long one (email, IP address) pair waits after its latest failure."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(FIRST_DELAY * 2 ** min(failures - FREE_FAILURES, 20), MAX_DELAY)


def check_rate_limit(
    session: Session, *, email: str, ip: str, now: datetime, device: str | None = None
) -> None:
    """Refuse before checking the password; never for failures from another IP address, and,
    for a known ``device``, never for failures from any other browser."""
    mine = (
        and_(col(LoginAttempt.email) == email, col(LoginAttempt.device) == device)
        if device is not None
        else and_(col(LoginAttempt.email) == email, col(LoginAttempt.ip) == ip)
    )
    failures, last = session.exec(
        select(func.count(), func.max(LoginAttempt.attempted_at)).where(
            mine, LoginAttempt.attempted_at > now - PAIR_MEMORY
        )
    ).one()
    if last is not None and utc(last) + pair_delay(failures) > now:
        raise _wait_message(utc(last) + pair_delay(failures), now)
    if device is not None:
        return
    from_ip, oldest = session.exec(
        select(func.count(), func.min(LoginAttempt.attempted_at)).where(
            LoginAttempt.ip == ip, LoginAttempt.attempted_at > now - IP_WINDOW
        )
    ).one()
    if from_ip >= IP_MAX_FAILURES and oldest is not None:
        raise _wait_message(utc(oldest) + IP_WINDOW, now)


def record_failure(
    session: Session, *, email: str, ip: str, now: datetime, device: str | None = None
) -> None:
    session.add(LoginAttempt(email=email, ip=ip, device=device, attempted_at=now))
    session.flush()


def forget_pair(
    session: Session, *, email: str, ip: str, now: datetime, device: str | None = None
) -> None:
    """After a success: only this pair's slate is wiped (a success here says nothing about
    other addresses), along with every pair's failures too old to count. A known ``device``
    wipes only its own: the pair's count at a shared address may be a stranger's failures, and
    the owner's success must not hand that stranger fresh tries."""
    mine = (
        and_(col(LoginAttempt.email) == email, col(LoginAttempt.device) == device)
        if device is not None
        else and_(col(LoginAttempt.email) == email, col(LoginAttempt.ip) == ip)
    )
    session.execute(
        delete(LoginAttempt).where(or_(mine, col(LoginAttempt.attempted_at) < now - PAIR_MEMORY))
    )
