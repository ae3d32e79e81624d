"""A workspace with sources, creators and mentions for the usage-rights tests, and a fake TikTok
DM relay that applies the product rule (TIKTOK.md) and honours idempotency keys."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Engine
from sqlmodel import Session, select

from archive_app.integrations.tiktok.dm import DmResult, Queued, QueueReason, Sent
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.models.mentions import Creator, Mention
from archive_app.models.rights import RightsEvent, RightsRequest
from archive_app.models.sources import SourceStatus
from tests import factories

T = TypeVar("T")


@dataclass
class FakeCreator:
    dm_setting: str
    friends: set[str] = field(default_factory=set)


@dataclass
class FakeRelay:
    """TikTok's side of a DM: the friends rule, one message per idempotency key."""

    creators: dict[str, FakeCreator] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # access token -> sender username
    messages: list[tuple[str, str, str, str]] = field(default_factory=list)  # id, from, to, text
    keys: dict[tuple[str, str], str] = field(default_factory=dict)
    raise_next: Exception | None = None
    calls: int = 0

    kind = Kind.tiktok_v1

    async def send_dm(
        self,
        *,
        access_token: str,
        creator_handle: str,
        text: str,
        idempotency_key: str | None = None,
    ) -> DmResult:
        self.calls += 1
        if self.raise_next is not None:
            error, self.raise_next = self.raise_next, None
            raise error
        sender = self.tokens[access_token]
        if idempotency_key and (sender, idempotency_key) in self.keys:
            return Sent(self.keys[(sender, idempotency_key)])
        creator = self.creators.get(creator_handle)
        if creator is None:
            return Queued(QueueReason.creator_not_found)
        allowed = creator.dm_setting == "everyone" or (
            creator.dm_setting in {"friends", "suggested_friends"} and sender in creator.friends
        )
        if not allowed:
            return Queued(QueueReason.creator_dm_setting)
        message_id = f"msg.{len(self.messages) + 1}"
        self.messages.append((message_id, sender, creator_handle, text))
        if idempotency_key:
            self.keys[(sender, idempotency_key)] = message_id
        return Sent(message_id)


class RightsWorld:
    def __init__(self, engine: Engine, now: datetime) -> None:
        self.engine, self.now = engine, now
        self.cipher = factories.cipher()
        self.relay = FakeRelay()
        self._videos = 0

    def run(self, work: Callable[[Session], T]) -> T:
        with Session(self.engine, expire_on_commit=False) as s:
            result = work(s)
            s.commit()
            return result

    async def db(self, work: Callable[[Session], T]) -> T:
        return await asyncio.to_thread(self.run, work)

    def workspace(self, email: str = "owner@brand.com", name: str = "Brand") -> tuple[int, int]:
        signed = self.run(
            lambda s: factories.workspace(
                s, email=email, password="owner-pass", name=name, now=self.now
            )
        )
        return signed.workspace_id, signed.user_id

    def source(
        self,
        workspace_id: int,
        handle: str,
        *,
        kind: Kind = Kind.tiktok_v1,
        status: SourceStatus = SourceStatus.active,
    ) -> int:
        token = f"tok-{handle}-{workspace_id}"
        self.relay.tokens[token] = handle
        made = self.run(
            lambda s: factories.source(
                s,
                workspace_id=workspace_id,
                now=self.now,
                cipher=self.cipher,
                handle=handle,
                kind=kind,
                status=status,
                access_token=token,
            )
        )
        return made.id or 0

    def creator(self, workspace_id: int, handle: str, dm_setting: str = "everyone") -> int:
        self.relay.creators.setdefault(handle, FakeCreator(dm_setting))
        made = self.run(
            lambda s: factories.creator(s, workspace_id=workspace_id, now=self.now, handle=handle)
        )
        return made.id or 0

    def mention(self, workspace_id: int, creator_id: int) -> int:
        self._videos += 1
        n = self._videos

        def make(s: Session) -> int:
            creator = s.get(Creator, creator_id)
            assert creator is not None
            made = factories.mention(
                s, workspace_id=workspace_id, creator=creator, now=self.now, number=n
            )
            return made.id or 0

        return self.run(make)

    def request(self, request_id: int) -> RightsRequest:
        found = self.run(lambda s: s.get(RightsRequest, request_id))
        assert found is not None
        return found

    def events(self, request_id: int) -> list[tuple[str, str, int | None]]:
        rows = self.run(
            lambda s: s.exec(
                select(RightsEvent)
                .where(RightsEvent.request_id == request_id)
                .order_by(RightsEvent.id)  # type: ignore[arg-type]
            ).all()
        )
        return [(e.status, e.detail, e.user_id) for e in rows]

    def mention_row(self, mention_id: int) -> Mention:
        found = self.run(lambda s: s.get(Mention, mention_id))
        assert found is not None
        return found
