"""The outside world in one frozen object, built once in ``archive_app.py`` from settings.

Routes and jobs receive ``Deps`` as an argument (``auth_routes(deps)``, ``JobSpec.run(deps)``).
States cannot take constructor arguments (Reflex makes them), so they read the one installed
in this process through ``current()``; ``run_db`` is the shortcut they use for a unit of work.
Tests build their own with ``build_deps(settings, engine=..., transport=...)`` (the simulator's
transport) and ``install`` it.

This module sits below ``api``, ``jobs`` and ``states`` and above the adapters, so none of the
three needs another to get at the database, TikTok, the cipher or mail.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, TypeVar, overload

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from archive_app.clock import Clock, app_clock
from archive_app.crypto import TokenCipher
from archive_app.db import AfterCommit, BoundedPool, SessionRunner, engine_for
from archive_app.integrations.tiktok.client import gateway_for
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.integrations.tiktok.protocol import TikTokGateway, V1Gateway, V2Gateway
from archive_app.mail.sender import MailSender, SmtpSender
from archive_app.services.errors import Busy
from archive_app.services.media.store import MediaStore, S3Settings, open_store
from archive_app.services.sources.disconnection_mail import Links
from archive_app.settings import Settings

T = TypeVar("T")

# argon2 work (every auth route; States that check or set a password) runs on this many
# threads of its own; when this many more are waiting, the next is refused ("busy").
AUTH_THREADS = 2
AUTH_MAX_WAITING = 50


@dataclass(frozen=True)
class Deps:
    settings: Settings
    db: SessionRunner
    # Units of work that hash or verify a password: a small bounded pool of their own, so
    # page loads on ``db`` never wait behind argon2 (``db.BoundedPool``; raises ``errors.Busy``).
    auth_db: SessionRunner
    clock: Clock
    gateways: Mapping[Kind, TikTokGateway]
    cipher: TokenCipher
    mail: MailSender
    # Covers (and later originals) Archive keeps: a directory or an S3 bucket (issue 22).
    media: MediaStore
    # Set when the process is shutting down (SIGTERM): a job finishes the step it is in
    # (the outbox: the mail being sent) and starts no other (jobs/scheduler.py).
    stopping: threading.Event = field(default_factory=threading.Event, compare=False)

    @property
    def engine(self) -> Engine:
        return self.db.engine

    @property
    def links(self) -> Links:
        """Where the disconnection mails point (the public address, the help article)."""
        return Links(base_url=self.settings.public_url, help_url=self.settings.help_url)

    @overload
    def gateway(self, kind: Literal[Kind.tiktok_v1]) -> V1Gateway: ...
    @overload
    def gateway(self, kind: Literal[Kind.tiktok_v2]) -> V2Gateway: ...
    @overload
    def gateway(self, kind: Kind | str) -> TikTokGateway: ...
    def gateway(self, kind: Kind | str) -> TikTokGateway:
        """Typed as the capabilities of ``kind`` (``integrations/tiktok/protocol.py``)."""
        return self.gateways[Kind(kind)]


def build_deps(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    mail: MailSender | None = None,
    media: MediaStore | None = None,
) -> Deps:
    """Everything from settings; tests pass their own engine, clock, TikTok transport or mail."""
    the_engine = engine if engine is not None else engine_for(settings)
    after_commit = AfterCommit()  # one dispatcher for both runners (dispatch.py installs it)
    return Deps(
        settings=settings,
        db=SessionRunner(the_engine, after_commit=after_commit),
        auth_db=SessionRunner(
            the_engine,
            after_commit=after_commit,
            pool=BoundedPool(
                threads=AUTH_THREADS, max_waiting=AUTH_MAX_WAITING, name="auth", refuse=Busy
            ),
        ),
        clock=clock if clock is not None else app_clock(),
        gateways=MappingProxyType(
            {kind: gateway_for(kind, settings, transport=transport) for kind in Kind}
        ),
        cipher=TokenCipher(settings.fernet_key()),
        mail=mail if mail is not None else SmtpSender(settings),
        media=media if media is not None else media_store(settings),
    )


def media_store(settings: Settings) -> MediaStore:
    """The store ``ARCHIVE_MEDIA_URL`` names (``services/media/store.py``)."""
    return open_store(
        settings.media_url,
        data_dir=settings.data_dir,
        s3=S3Settings(
            endpoint_url=settings.media_s3_endpoint_url,
            region=settings.media_s3_region,
            access_key_id=settings.media_s3_access_key_id,
            secret_access_key=settings.media_s3_secret_access_key.get_secret_value(),
        ),
    )


class _Installed:
    deps: Deps | None = None


def install(deps: Deps) -> Deps:
    """Make ``deps`` the process's (``archive_app.py`` does this once; tests per test)."""
    _Installed.deps = deps
    return deps


def uninstall() -> None:
    """Tests: forget the installed ``Deps`` (code that reads ``current()`` then fails loudly)."""
    _Installed.deps = None


def current() -> Deps:
    """The installed ``Deps``: the one accessor for code that cannot take it as an argument."""
    deps = _Installed.deps
    if deps is None:
        raise RuntimeError("no Deps installed: archive_app.py (or the test) calls deps.install")
    return deps


def gateway_of(kind: Kind) -> TikTokGateway:
    """``current().gateway`` as a plain function, for services that take ``gateway_for``."""
    return current().gateway(kind)


async def run_db(work: Callable[[Session], T]) -> T:
    """One unit of work on the installed ``Deps`` (see ``db.SessionRunner``)."""
    return await current().db(work)
