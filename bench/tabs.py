"""Simulated browser tabs: a python-socketio client that connects to ``/_event`` as Chromium does.

What Chromium sends when a signed-in person opens Settings → Sources (captured with Playwright
from the running app, Reflex 0.10.1): a websocket to ``/_event/?token=<tab token>&EIO=4&
transport=websocket`` with the session cookie, ``Origin: <public URL>`` and the subprotocol
``0.10.1``, and one socket.io CONNECT packet whose ``auth`` carries the boot event::

    40/_event,{"event": {"name": "reflex___state____state.hydrate_and_load",
                         "payload": {"hashes": ["3d3c7f94424c0e6b", ...]},
                         "router_data": {"pathname": "/settings/sources/",
                                         "asPath": "/settings/sources/"}},
               "state_schema": "141e6b090cb65212f0339bf8f0231af0"}

The hydrate rides in the CONNECT packet, so the server loads the page's state (``on_load``
included) without a further round trip; deltas come back as ``event`` messages on ``/_event``.
``hashes`` and ``state_schema`` depend on the app's state tree: ``boot_info()`` computes them
the way Reflex's compiler does (in a subprocess that imports the app), so this module keeps
working while the states change.

Used by ``bench/push.py`` and by tests::

    from bench.tabs import Tab, login_cookie

    cookie = await login_cookie(url, "demo@example.com", "demo1234")
    tab = Tab(url, cookie=cookie)
    await tab.connect()
    await tab.wait_hydrated()
    frame = await tab.wait_for(alerts_mention("somehandle"), timeout=5)
    await tab.disconnect()
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import socketio

ROOT = Path(__file__).resolve().parents[1]
NAMESPACE = "/_event"
SESSION_COOKIE = "archive_session"
SOURCES_PATH = "/settings/sources/"
# The headers Chromium 156 (headless, Debian) sent on the websocket upgrade, minus the ones the
# websocket library sets itself (Host, Upgrade, Connection, Sec-WebSocket-Key/Version/Extensions).
# Reflex stores every header in each tab's state, so sending the same set keeps per-tab memory
# comparable with a real browser.
CHROMIUM_HEADERS: dict[str, str] = {
    "Pragma": "no-cache",
    "Cache-Control": "no-cache",
    "User-Agent": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/156.0.0.0 Safari/537.36"
    ),
    "Accept-Encoding": "gzip, deflate, br, zstd",
    "Accept-Language": "en-US,en;q=0.9",
}

_BOOT_SCRIPT = """
import asyncio, json
from reflex.state import State, _resolve_delta, state_snapshot_hashes
from reflex.utils import prerequisites

root = prerequisites.get_and_validate_app().app._state or State
snapshot = asyncio.run(_resolve_delta(root(_reflex_internal_init=True).dict(initial=True)))
print("BOOT-INFO " + json.dumps({
    "state_name": root.get_name(),
    "state_schema": root._to_frontend_schema(),
    "hashes": state_snapshot_hashes(snapshot),
}))
"""


@dataclass(frozen=True)
class BootInfo:
    """What the compiled frontend puts in its boot event: the root state's name, the hash of
    the state tree (``state_schema``) and the hashes of the compiled default values."""

    state_name: str
    state_schema: str
    hashes: tuple[str, ...]

    def boot_event(self, path: str = SOURCES_PATH, *, first: bool = True) -> dict[str, Any]:
        """``hydrate_and_load`` for a full page load of ``path`` (``withRouterData`` in
        Reflex's ``state.js``: ``pathname`` without the query, ``asPath`` with it).

        ``first=False`` is a reconnect's boot event (``initialEvents(false)``): no hashes, so
        the server sends the whole state back."""
        parts = urlsplit(path)
        router_data: dict[str, Any] = {
            "pathname": parts.path,
            "asPath": parts.path + (f"?{parts.query}" if parts.query else ""),
        }
        if parts.query:
            router_data["query"] = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        return {
            "name": f"{self.state_name}.hydrate_and_load",
            "payload": {"hashes": list(self.hashes)} if first else {},
            "router_data": router_data,
        }

    def connect_auth(self, path: str = SOURCES_PATH, *, first: bool = True) -> dict[str, Any]:
        """The socket.io CONNECT ``auth`` payload (``bootAuth`` in ``state.js``)."""
        return {"event": self.boot_event(path, first=first), "state_schema": self.state_schema}


def boot_info(app_dir: Path | str = ROOT, env: Mapping[str, str] | None = None) -> BootInfo:
    """Compute the boot event's hashes for the app in ``app_dir`` as Reflex's compiler does.

    Runs a short subprocess that imports the app (about 2 s), so the caller's process never
    imports Reflex state classes; ``env`` should be the server's environment (some defaults
    read settings). Cached per (app_dir, env).
    """
    items = tuple(sorted((env if env is not None else os.environ).items()))
    return _boot_info(str(Path(app_dir).resolve()), items)


@lru_cache(maxsize=8)
def _boot_info(app_dir: str, env_items: tuple[tuple[str, str], ...]) -> BootInfo:
    env = {k: v for k, v in env_items if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (app_dir, env.get("PYTHONPATH", "")) if p)
    env.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
    done = subprocess.run(
        [sys.executable, "-c", _BOOT_SCRIPT],
        cwd=app_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    for line in done.stdout.splitlines():
        if line.startswith("BOOT-INFO "):
            data = json.loads(line.removeprefix("BOOT-INFO "))
            return BootInfo(data["state_name"], data["state_schema"], tuple(data["hashes"]))
    raise RuntimeError(f"could not compute the boot event of {app_dir}:\n{done.stderr[-3000:]}")


def _reflex_version() -> str:
    from importlib.metadata import version

    return version("reflex")


async def login_cookie(
    base_url: str, email: str, password: str, *, origin: str | None = None
) -> str:
    """Log in the way the login page's form does and return the ``Cookie`` header a browser
    would send afterwards (``archive_session=<token>``).

    ``origin`` defaults to ``base_url`` (the app's public URL): the login route refuses a form
    posted from another origin. Raises ``RuntimeError`` with the page's error when refused.
    """
    base = base_url.rstrip("/")
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        response = await http.post(
            "/auth/login",
            data={"email": email, "password": password, "next": ""},
            headers={"Origin": origin or base, "Referer": f"{base}/login/"},
        )
    token = response.cookies.get(SESSION_COOKIE)
    if response.status_code != 303 or not token:
        where = response.headers.get("location", "")
        raise RuntimeError(f"login as {email} refused ({response.status_code} {where})")
    return f"{SESSION_COOKIE}={token}"


def login_cookie_sync(
    base_url: str, email: str, password: str, *, origin: str | None = None
) -> str:
    """``login_cookie`` for code that is not async."""
    return asyncio.run(login_cookie(base_url, email, password, origin=origin))


@dataclass
class Frame:
    """One socket.io message the tab received: ``t`` is ``time.perf_counter()`` on arrival."""

    t: float
    event: str
    data: Any

    def json(self) -> str:
        return json.dumps(self.data)


Predicate = Callable[[Frame], bool]


def is_hydrated(frame: Frame) -> bool:
    """Reflex's ``is_hydrated`` var turned true: the boot event and its ``on_load`` are done."""
    return frame.event == "event" and _any_key(
        frame.data, lambda key, value: key.startswith("is_hydrated") and value is True
    )


def alerts_mention(handle: str) -> Predicate:
    """The pop-up data arrived: an ``event`` frame with a key containing ``alerts`` whose value
    mentions ``handle``. Independent of state class names (shared or per-tab state)."""

    def match(frame: Frame) -> bool:
        return frame.event == "event" and _any_key(
            frame.data, lambda key, value: "alerts" in key and handle in json.dumps(value)
        )

    return match


def new_count(count: int) -> Predicate:
    """A delta that sets the Feed's "N new mentions" banner to ``count``."""

    def match(frame: Frame) -> bool:
        return frame.event == "event" and _any_key(
            frame.data, lambda key, value: "new_count" in key and value == count
        )

    return match


def _any_key(data: Any, test: Callable[[str, Any], bool]) -> bool:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(key, str) and test(key, value):
                    return True
                if isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(v for v in item if isinstance(v, dict | list))
    return False


@dataclass
class Tab:
    """One browser tab of the app, as far as the server can tell.

    ``cookie`` is the ``Cookie`` header (see ``login_cookie``); ``None`` is a visitor with no
    session. ``token`` is the tab token (a fresh ``uuid4`` each, as the browser's sessionStorage
    holds one per tab). ``max_frames`` keeps only the newest frames (``None``: all of them);
    ``frame_count`` counts every frame either way.

    Like the browser, the tab sends back the server events that an update carries (names not
    starting with ``_``; ``follow_events=False`` turns that off) and adopts a ``new_token``.
    Client-side events (``_redirect``, ``_call_function``: toasts, ...) are only recorded.

    ``reconnect=True`` does what the page's socket.io client does (``state.js``) when the
    connection drops without the tab closing it (the server or a proxy went away): connect
    again at once with the tab's current token and a full rehydrate (``first=False``), retrying
    a refused attempt after 0.2, 0.4, ... 2 s. ``hydrated_at`` then becomes the time the
    reconnected tab was hydrated again; ``reconnects`` counts the reconnections, and
    ``wait_for`` keeps waiting across them. Without it (the default) a dropped tab stays closed.
    """

    base_url: str
    cookie: str | None = None
    path: str = SOURCES_PATH
    token: str = field(default_factory=lambda: str(uuid.uuid4()))
    boot: BootInfo | None = None
    origin: str | None = None
    headers: Mapping[str, str] = field(default_factory=lambda: dict(CHROMIUM_HEADERS))
    max_frames: int | None = None
    follow_events: bool = True
    reconnect: bool = False
    frames: deque[Frame] = field(init=False)
    frame_count: int = field(default=0, init=False)
    connected_at: float | None = field(default=None, init=False)
    hydrated_at: float | None = field(default=None, init=False)
    disconnected_at: float | None = field(default=None, init=False)
    reconnects: int = field(default=0, init=False)
    reconnected_at: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.frames = deque(maxlen=self.max_frames)
        self._arrived = asyncio.Event()
        self._client: socketio.AsyncClient | None = None
        self._closing = False
        self._reconnecting: asyncio.Task[None] | None = None
        self._since = 0.0  # frames before this belong to an earlier connection

    async def __aenter__(self) -> Tab:
        """``async with Tab(url, cookie=c) as tab:`` connects, and disconnects at the end."""
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.disconnect()

    @property
    def connected(self) -> bool:
        return self._client is not None and self._client.connected

    @property
    def reconnecting(self) -> bool:
        """Dropped and connecting again (``reconnect=True``)."""
        return self._reconnecting is not None

    async def connect(self, timeout: float = 30) -> None:  # noqa: ASYNC109
        """Open the websocket and send the boot event in the CONNECT packet; returns when the
        server acknowledged the namespace (hydration goes on: see ``wait_hydrated``)."""
        if self._client is not None:
            raise RuntimeError("this tab is already connected; open a new Tab instead")
        if self.boot is None:
            self.boot = await asyncio.to_thread(boot_info)
        await self._open(timeout, first=True)

    async def _open(self, timeout: float, *, first: bool) -> None:  # noqa: ASYNC109
        boot = self.boot
        assert boot is not None
        headers = {**self.headers, "Origin": self.origin or self.base_url}
        if self.cookie:
            headers["Cookie"] = self.cookie
        client = socketio.AsyncClient(
            reconnection=False,
            handle_sigint=False,
            # Given here rather than as ``headers=`` (python-socketio would move the Cookie
            # header into aiohttp's cookie jar), so the upgrade request carries it verbatim.
            # Chromium offers permessage-deflate and Reflex's version as subprotocol.
            websocket_extra_options={
                "headers": headers,
                "protocols": (_reflex_version(),),
                "compress": 15,
            },
        )
        client.on("*", self._on_message, namespace=NAMESPACE)
        client.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        self._client = client
        try:
            await client.connect(
                f"{self.base_url}?token={self.token}",
                auth=boot.connect_auth(self.path, first=first),
                transports=["websocket"],
                namespaces=[NAMESPACE],
                socketio_path=NAMESPACE,
                wait_timeout=timeout,
            )
        except BaseException:
            if not first:
                with contextlib.suppress(Exception):
                    await client.disconnect()
            raise
        self.connected_at = time.perf_counter()

    async def _on_message(self, event: str, *args: Any) -> None:
        frame = Frame(time.perf_counter(), event, args[0] if len(args) == 1 else list(args))
        self.frames.append(frame)
        self.frame_count += 1
        if self.hydrated_at is None and is_hydrated(frame):
            self.hydrated_at = frame.t
        self._arrived.set()
        if event == "new_token" and isinstance(frame.data, str):
            self.token = frame.data  # the duplicate-tab guard gave this tab another token
        elif event == "event" and self.follow_events and isinstance(frame.data, dict):
            for queued in frame.data.get("events") or []:
                name = queued.get("name", "") if isinstance(queued, dict) else ""
                if name and not name.startswith("_"):
                    await self.emit(name, queued.get("payload") or {})

    async def _on_disconnect(self, *args: Any) -> None:
        self.disconnected_at = time.perf_counter()
        self._arrived.set()
        if self.reconnect and not self._closing and self._reconnecting is None:
            self._reconnecting = asyncio.create_task(self._reconnect())

    async def _reconnect(self) -> None:
        """Connect again until it works (or the tab is closed), as ``state.js`` retries."""
        failed = 0
        try:
            while not self._closing:
                self._client = None
                self.hydrated_at = None
                self._since = time.perf_counter()
                try:
                    await self._open(10, first=False)
                except (socketio.exceptions.ConnectionError, OSError, TimeoutError):
                    failed = min(failed + 1, 10)
                    await asyncio.sleep(0.2 * failed)
                    continue
                self.reconnects += 1
                self.reconnected_at = self.connected_at
                self.disconnected_at = None
                return
        finally:
            self._reconnecting = None
            self._arrived.set()

    async def disconnect(self) -> None:
        """Close the socket as a closing tab does (the server sees the disconnect)."""
        self._closing = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnecting
        if self._client is not None:
            await self._client.disconnect()

    async def emit(self, name: str, payload: Mapping[str, Any] | None = None) -> None:
        """Send a state event as the page would, e.g. ``emit("<state>.<handler>", {...})``."""
        if self._client is None or self.boot is None:
            raise RuntimeError("connect first")
        event = {
            "name": name,
            "payload": dict(payload or {}),
            "router_data": self.boot.boot_event(self.path)["router_data"],
        }
        await self._client.emit("event", event, namespace=NAMESPACE)

    def clear(self) -> None:
        """Forget the frames received so far (``frame_count`` keeps counting)."""
        self.frames.clear()

    def find(self, predicate: Predicate) -> Frame | None:
        """The first frame received so far that matches."""
        return next((f for f in list(self.frames) if predicate(f)), None)

    async def wait_for(self, predicate: Predicate, timeout: float = 10) -> Frame:  # noqa: ASYNC109
        """The first frame, already received or still to come, that matches ``predicate``.

        Raises ``TimeoutError`` after ``timeout`` seconds, and ``ConnectionError`` if the
        socket closes first.
        """
        deadline = time.monotonic() + timeout
        checked = self.frame_count - len(self.frames)  # frames older than the buffer
        while True:
            # Frames arrive on this same event loop: nothing lands between here and the wait.
            self._arrived.clear()
            new = min(self.frame_count - checked, len(self.frames))
            if new > 0:
                for frame in list(self.frames)[-new:]:
                    if predicate(frame):
                        return frame
            checked = self.frame_count
            if self.disconnected_at is not None and self._reconnecting is None:
                raise ConnectionError(f"tab {self.token} is disconnected")
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no matching frame in tab {self.token} within {timeout}s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout=left)

    async def wait_hydrated(self, timeout: float = 30) -> float:  # noqa: ASYNC109
        """Wait until the page load finished (``is_hydrated`` true); returns its arrival time."""
        if self.hydrated_at is None:
            since = self._since
            await self.wait_for(lambda f: f.t >= since and is_hydrated(f), timeout)
        assert self.hydrated_at is not None
        return self.hydrated_at


async def open_tabs(
    base_url: str,
    cookies: Sequence[str | None] | str | None,
    count: int,
    *,
    boot: BootInfo | None = None,
    batch: int = 100,
    path: str = SOURCES_PATH,
    max_frames: int | None = None,
    timeout: float = 60,  # noqa: ASYNC109
    reconnect: bool = False,
) -> list[Tab]:
    """Open ``count`` tabs, ``batch`` at a time (each batch connects concurrently).

    ``cookies`` is one Cookie header for every tab, or a sequence used round-robin (several
    members, or several workspaces). Returns when every socket is acknowledged; hydration
    goes on in the background (``wait_hydrated``). ``reconnect``: see ``Tab``.
    """
    boot = boot or await asyncio.to_thread(boot_info)
    pool: Sequence[str | None] = (
        [cookies] if cookies is None or isinstance(cookies, str) else cookies
    )
    tabs = [
        Tab(
            base_url,
            cookie=pool[i % len(pool)],
            path=path,
            boot=boot,
            max_frames=max_frames,
            reconnect=reconnect,
        )
        for i in range(count)
    ]
    for start in range(0, count, batch):
        await asyncio.gather(*(t.connect(timeout=timeout) for t in tabs[start : start + batch]))
    return tabs


async def close_tabs(tabs: Iterable[Tab], *, batch: int = 100) -> None:
    """Disconnect tabs, ``batch`` at a time."""
    items = list(tabs)
    for start in range(0, len(items), batch):
        await asyncio.gather(
            *(t.disconnect() for t in items[start : start + batch]), return_exceptions=True
        )
