"""The one clock services read. Services take ``now`` as an argument; this module makes it.

In demo and test mode the simulator's control API can move time forward
(``POST /_sim/control/clock``); the app and the simulator read the same ``ShiftedClock``, so
token lifetimes, deadlines and reminders move together. In production the offset is always 0.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """Real time plus an offset that only moves forward."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self._offset = offset
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += delta
        return self.now()


class FixedClock:
    """For unit tests: time stands still until a test moves it."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> datetime:
        self._at += delta
        return self._at


_app_clock = ShiftedClock()


def app_clock() -> ShiftedClock:
    """The process-wide clock (shared with the simulator in demo/test mode)."""
    return _app_clock


def utc(dt: datetime) -> datetime:
    """SQLite gives naive datetimes back; everything we store is UTC."""
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
