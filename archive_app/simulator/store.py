"""The simulator's memory on disk: ``<data dir>/tiktok_simulator.db``, one SQLite file.

A restart of ``make run`` must not forget the grants the app's database still points at, and two
workers must see one TikTok, not one each. So every ``with state.lock:`` block is a short SQLite
transaction (WAL, ``BEGIN IMMEDIATE``): on entry it reads what another process (or a previous
run) wrote since, and on exit it writes back the records that changed. Requests also
reload at their start (:class:`SyncMiddleware`), so a read outside a lock sees fresh state.

Layout: ``records(kind, key, body, written_in)`` holds one JSON object per app, account, grant,
code, QR login, creator, video, message, injected failure and webhook delivery. Lists are keyed
by zero-padded position; everything reads back in the order first written; ``written_in`` is
the version that last wrote the row, so another process reads only what is new.
``meta(name, value)`` holds ``version`` (bumped on every write), ``deleted_in`` (a full reload
is due) and ``clock_advanced_seconds`` (the total ``POST /control/clock`` moved, re-applied to
a fresh process's clock, so the app and the simulator agree on the time after a restart).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from dataclasses import fields
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from archive_app.simulator.state import (
    Account,
    App,
    AuthCode,
    Creator,
    Delivery,
    Failure,
    Grant,
    Message,
    QrLogin,
    SimState,
    VideoRec,
    to_json,
)

FILE_NAME = "tiktok_simulator.db"
# kind -> (record type, key field); ``None`` marks a list, keyed by position.
MAPS: dict[str, tuple[type[Any], str]] = {
    "apps": (App, "client_key"),
    "accounts": (Account, "username"),
    "codes": (AuthCode, "code"),
    "qr_logins": (QrLogin, "token"),
    "creators": (Creator, "handle"),
}
LISTS: dict[str, type[Any]] = {
    "grants": Grant,
    "videos": VideoRec,
    "messages": Message,
    "failures": Failure,
    "deliveries": Delivery,
}
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS records (kind TEXT NOT NULL, key TEXT NOT NULL,"
    " body TEXT NOT NULL, written_in INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (kind, key))",
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
Written = dict[tuple[str, str], dict[str, Any]]


def revive(cls: type[Any], data: dict[str, Any]) -> Any:
    """A record back from its JSON (``to_json``): instants and sets get their types back."""
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue  # written by an older simulator: the field's default applies
        value, hint = data[f.name], str(f.type)
        if isinstance(value, str) and hint.startswith("datetime"):
            value = datetime.fromisoformat(value)
        elif isinstance(value, list) and hint.startswith("set"):
            value = set(value)
        values[f.name] = value
    return cls(**values)


def records_of(state: SimState) -> Iterator[tuple[tuple[str, str], Any]]:
    for kind in MAPS:
        for key, record in getattr(state, kind).items():
            yield (kind, key), record
    for kind in LISTS:
        for n, record in enumerate(getattr(state, kind)):
            yield (kind, f"{n:08d}"), record


def copied(record: Any) -> dict[str, Any]:
    """What a record held when last written (sets and dicts copied, the rest is immutable)."""
    return {k: v.copy() if isinstance(v, set | dict) else v for k, v in vars(record).items()}


class StoreLock:
    """``state.lock`` for a simulator kept on disk: re-entrant, one transaction per outer block."""

    def __init__(self, state: SimState, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._state = state
        self._thread = threading.RLock()
        self._depth = 0
        self._version: str | None = None  # None: memory does not match the file; reload
        self._written: Written = {}  # what the file holds, to write only what changed
        self._applied = timedelta(0)  # how far this process has moved its clock for the store
        # autocommit mode: transactions are the explicit BEGIN/COMMIT below.
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("BEGIN IMMEDIATE")  # two workers may start at the same moment
        for statement in SCHEMA:
            conn.execute(statement)
        if "written_in" not in [c[1] for c in conn.execute("PRAGMA table_info(records)")]:
            conn.execute("ALTER TABLE records ADD COLUMN written_in INTEGER NOT NULL DEFAULT 0")
        conn.execute("COMMIT")
        self._conn = conn
        weakref.finalize(self, conn.close)

    def __enter__(self) -> StoreLock:
        self._thread.acquire()
        self._depth += 1
        if self._depth == 1:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                self._pull()
            except BaseException:
                self._abort()
                self._depth -= 1
                self._thread.release()
                raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._depth == 1:
                try:
                    self._push()  # memory already changed, error or not: the file follows
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._abort()
                    raise
        finally:
            self._depth = max(self._depth - 1, 0)
            self._thread.release()

    def sync(self) -> None:
        """Reload if another process wrote since (a read-only transaction)."""
        with self._thread:
            if self._depth:
                return
            self._conn.execute("BEGIN")
            try:
                self._pull()
            except BaseException:
                self._abort()
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        self._conn.close()

    # -- internals ---------------------------------------------------------------------------
    def _abort(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")
        self._version = None

    def _meta(self, name: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def _pull(self) -> None:
        version = self._meta("version") or "0"
        if version == self._version:
            return
        since = None if self._version is None else int(self._version)
        if (
            since is None
            or int(self._meta("deleted_in") or 0) > since
            or not self._load_since(since)
        ):
            self._load_all()
        advanced = timedelta(seconds=float(self._meta("clock_advanced_seconds") or 0))
        if advanced > self._applied:
            self._state.clock.advance(advanced - self._applied)
            self._applied = advanced
        self._state.clock_advanced = max(self._state.clock_advanced, advanced)
        self._version = version

    def _load_all(self) -> None:
        state = self._state
        rows = self._conn.execute("SELECT kind, key, body FROM records ORDER BY rowid")
        loaded: dict[str, list[tuple[str, Any]]] = {kind: [] for kind in (*MAPS, *LISTS)}
        for kind, key, body in rows:
            cls = MAPS[kind][0] if kind in MAPS else LISTS.get(kind)
            if cls is not None:
                loaded[kind].append((key, revive(cls, json.loads(body))))
        for kind in MAPS:
            setattr(state, kind, dict(loaded[kind]))
        for kind in LISTS:
            setattr(state, kind, [record for _, record in loaded[kind]])
        self._written = {(k, key): copied(r) for k, pairs in loaded.items() for key, r in pairs}

    def _load_since(self, since: int) -> bool:
        """Only what another process wrote after ``since``; False when that cannot be applied."""
        rows = self._conn.execute(
            "SELECT kind, key, body FROM records WHERE written_in > ? ORDER BY kind, key, rowid",
            (since,),
        )
        for kind, key, body in rows:
            if kind in MAPS:
                record = revive(MAPS[kind][0], json.loads(body))
                getattr(self._state, kind)[key] = record
            elif kind in LISTS:
                record, records = revive(LISTS[kind], json.loads(body)), getattr(self._state, kind)
                n = int(key)
                if n > len(records):
                    return False
                records[n : n + 1] = [record]
            else:
                continue
            self._written[kind, key] = copied(record)
        return True

    def _push(self) -> None:
        written: Written = {}
        changed = []
        for pair, record in records_of(self._state):
            before = self._written.get(pair)
            if before is not None and before == vars(record):
                written[pair] = before
                continue
            written[pair] = copied(record)
            changed.append((*pair, json.dumps(to_json(record), sort_keys=True)))
        gone = [pair for pair in self._written if pair not in written]
        advanced = self._state.clock_advanced
        if not changed and not gone and advanced == self._applied:
            return
        version = str(int(self._version or self._meta("version") or "0") + 1)
        self._conn.executemany(
            "INSERT INTO records (kind, key, body, written_in) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (kind, key) DO UPDATE SET body = excluded.body,"
            " written_in = excluded.written_in",
            [(*row, int(version)) for row in changed],
        )
        self._conn.executemany("DELETE FROM records WHERE kind = ? AND key = ?", gone)
        meta = [("version", version), ("clock_advanced_seconds", str(advanced.total_seconds()))]
        if gone:  # another process cannot apply a deletion row by row: it reloads everything
            meta.append(("deleted_in", version))
        self._conn.executemany(
            "INSERT INTO meta (name, value) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            meta,
        )
        self._applied = advanced
        self._written, self._version = written, version


class SyncMiddleware:
    """Every request starts from the state on disk, whichever process wrote it last."""

    def __init__(self, app: ASGIApp, *, lock: StoreLock) -> None:
        self.app = app
        self.lock = lock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.lock.sync()
        await self.app(scope, receive, send)


def attach_store(state: SimState, data_dir: Path) -> StoreLock:
    """Keep ``state`` in ``data_dir`` from now on, starting from what is there already."""
    lock = StoreLock(state, data_dir / FILE_NAME)
    state.lock = lock
    lock.sync()
    return lock
