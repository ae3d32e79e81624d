"""The one way tests build a world: plain functions, session first, keyword-only after (like the
services), each with sensible defaults, returning the rows or ids made.

They go through the app's services where one exists (``signup.sign_up``, ``auth.log_in``) and
straight to the models where none does. Each commits, so what it made is there for the code
under test's own sessions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx
from cryptography.fernet import Fernet
from sqlmodel import Session

from archive_app.crypto import TokenCipher
from archive_app.integrations.tiktok import TokenSet
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.models.mentions import Creator, Mention
from archive_app.models.rights import RightsRequest, RightsRequestMention, RightsStatus
from archive_app.models.sources import Source, SourceStatus
from archive_app.models.workspaces import Membership, Role
from archive_app.services import auth, signup
from archive_app.services.rights.link import CreatorLinks

T = TypeVar("T")

PASSWORD = "s3cret-pass"


# The creators' links of requests made in tests (``services/rights/link.py``); tests that open
# a link build theirs from the app's own cipher (``links_for``) instead.
LINKS = CreatorLinks(base_url="http://archive.test", key=b"tests-signing-key-of-32-bytes!!!")


def workspace(
    session: Session,
    *,
    now: datetime,
    email: str = "owner@brand.com",
    password: str = PASSWORD,
    name: str = "Brand",
) -> auth.SignedIn:
    """A workspace with its owner, signed in (``workspace_id``, ``user_id``, ``session_token``)."""
    signed = signup.sign_up(session, email=email, password=password, workspace_name=name, now=now)
    session.commit()
    return signed


def log_in(
    session: Session,
    *,
    at: datetime,
    email: str = "owner@brand.com",
    password: str = PASSWORD,
    ip: str = "1.1.1.1",
) -> auth.SignedIn:
    """``auth.log_in`` with the defaults of ``workspace``'s owner."""
    signed = auth.log_in(session, email=email, password=password, ip=ip, now=at)
    session.commit()
    return signed


def member(
    session: Session,
    *,
    workspace_id: int,
    now: datetime,
    email: str = "member@brand.com",
    password: str = PASSWORD,
    role: Role = Role.member,
) -> int:
    """A person with an account in ``workspace_id`` (a member unless ``role`` says otherwise)."""
    user = auth.add_user(session, email=email, password_hash=auth.hash_password(password), now=now)
    assert user.id is not None
    session.add(Membership(workspace_id=workspace_id, user_id=user.id, role=role, created_at=now))
    session.commit()
    return user.id


def cipher() -> TokenCipher:
    """A token cipher of a fresh key (pass it to the code under test too)."""
    return TokenCipher(Fernet.generate_key())


def source(
    session: Session,
    *,
    workspace_id: int,
    now: datetime,
    cipher: TokenCipher,
    handle: str = "brandco",
    kind: Kind = Kind.tiktok_v1,
    status: SourceStatus = SourceStatus.active,
    access_token: str | None = None,
    open_id: str | None = None,
    deadline_at: datetime | None = None,
) -> Source:
    """A connected TikTok account of ``kind``; an active or degraded one holds its access token
    (``access_token``, by default ``tok-<handle>-<workspace_id>``) encrypted with ``cipher``."""
    token = access_token or f"tok-{handle}-{workspace_id}"
    connected = status in {SourceStatus.active, SourceStatus.degraded}
    return _saved(
        session,
        Source(
            workspace_id=workspace_id,
            kind=kind.value,
            open_id=open_id or f"open-{handle}-{kind.value}",
            handle=handle,
            avatar_url=f"https://cdn.test/{handle}.png",
            status=status.value,
            status_changed_at=now,
            access_token_enc=cipher.encrypt(token) if connected else None,
            deadline_at=deadline_at,
            connected_at=now,
            created_at=now,
        ),
    )


def creator(session: Session, *, workspace_id: int, now: datetime, handle: str = "maya") -> Creator:
    """A creator the workspace has seen."""
    return _saved(session, Creator(workspace_id=workspace_id, handle=handle, first_seen_at=now))


def mention(
    session: Session,
    *,
    workspace_id: int,
    creator: Creator,
    now: datetime,
    number: int = 1,
    caption: str | None = None,
) -> Mention:
    """Video ``number`` of ``creator`` mentioning the brand, posted ``number`` hours ago."""
    return _saved(
        session,
        Mention(
            workspace_id=workspace_id,
            video_id=f"v{number}",
            creator_id=creator.id or 0,
            creator_handle=creator.handle,
            caption=caption if caption is not None else f"video {number} #brand",
            url=f"https://www.tiktok.com/@{creator.handle}/video/{number}",
            thumbnail_url=f"https://cdn.test/v{number}.jpg",
            posted_at=now - timedelta(hours=number),
            first_seen_at=now,
        ),
    )


def rights_request(
    session: Session,
    *,
    workspace_id: int,
    creator_id: int,
    now: datetime,
    mention_ids: Sequence[int] = (),
    message: str = "May we repost your video?",
    status: RightsStatus = RightsStatus.in_queue,
    requested_by_id: int | None = None,
    sender_source_id: int | None = None,
) -> RightsRequest:
    """A usage-rights request for ``mention_ids`` (no DM sent: ``rights.submit`` sends one)."""
    request = _saved(
        session,
        RightsRequest(
            workspace_id=workspace_id,
            creator_id=creator_id,
            message=message,
            status=status.value,
            requested_by_id=requested_by_id,
            sender_source_id=sender_source_id,
            created_at=now,
            updated_at=now,
        ),
    )
    for mention_id in mention_ids:
        session.add(RightsRequestMention(request_id=request.id or 0, mention_id=mention_id))
    session.commit()
    return request


async def simulator_grant(
    control: httpx.AsyncClient, gateway: Any, *, kind: Kind, username: str, now: datetime
) -> TokenSet:
    """``username`` (an account the simulator knows) logs in to the simulated TikTok, by QR code
    for v.1 or on the consent page for v.2, and ``gateway`` exchanges the code: the grant a real
    connection gets. ``control`` is a client of the app serving the simulator under ``/_sim``."""

    async def sim(path: str, body: dict[str, Any] | None = None) -> None:
        answer = await control.post(f"/_sim/control{path}", json=body or {})
        assert answer.status_code < 300, answer.text

    if kind is Kind.tiktok_v1:
        qr = await gateway.get_qrcode(state="test")
        await sim(f"/qr/{qr.token}/scan", {"username": username, "client_ticket": qr.ticket})
        await sim(f"/qr/{qr.token}/confirm")
        code = (await gateway.check_qrcode(qr)).code
    else:
        url = gateway.authorize_url(state="test")
        answer = await control.post(url, data={"username": username, "decision": "authorize"})
        code = httpx.URL(answer.headers["location"]).params["code"]
    assert code
    tokens: TokenSet = await gateway.exchange_code(code=code, now=now)
    return tokens


def _saved(session: Session, row: T) -> T:
    session.add(row)
    session.commit()
    session.refresh(row)
    return row
