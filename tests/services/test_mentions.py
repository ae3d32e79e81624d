"""Collecting mentions: the poll (both kinds), the webhook, and both at once, against the
simulator (TikTok's wire) and the app's real webhook route, sharing one clock."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from starlette.applications import Starlette
from starlette.routing import Mount

from archive_app import deps as deps_module
from archive_app.api.webhooks import webhook_routes
from archive_app.clock import ShiftedClock
from archive_app.deps import Deps, build_deps
from archive_app.integrations.tiktok import Kind, TikTokEvent, TransientError
from archive_app.integrations.tiktok.webhooks import signature
from archive_app.jobs import tiktok_events
from archive_app.models.mentions import Creator, Mention, MentionFind
from archive_app.models.sources import Source, SourceEvent
from archive_app.services.mentions import poll as mention_poll
from archive_app.services.sources import status as source_service
from archive_app.simulator import create_simulator_app
from tests import factories
from tests.integrations.tiktok_backends import sim_settings


@dataclass
class World:
    deps: Deps
    control: httpx.AsyncClient
    workspace_id: int
    user_id: int

    async def sim(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = await self.control.post(f"/_sim/control{path}", json=body or {})
        assert response.status_code < 300, response.text
        return response.json()

    async def connect(self, kind: Kind, username: str, *, workspace_id: int = 0) -> int:
        """``username`` connected as a source of the workspace, through the simulator."""
        await self.sim("/accounts", {"username": username})
        gateway = self.deps.gateway(kind)
        now = self.deps.clock.now()
        tokens = await factories.simulator_grant(
            self.control, gateway, kind=kind, username=username, now=now
        )
        profile = await gateway.profile(access_token=tokens.access_token, open_id=tokens.open_id)
        ws = workspace_id or self.workspace_id

        def save(s: Session) -> int:
            source = source_service.save_connection(
                s,
                workspace_id=ws,
                user_id=self.user_id if ws == self.workspace_id else self._owner_of(s, ws),
                kind=kind,
                tokens=tokens,
                profile=profile,
                cipher=self.deps.cipher,
                now=now,
            )
            assert source.id is not None
            return source.id

        return await self.deps.db(save)

    @staticmethod
    def _owner_of(s: Session, workspace_id: int) -> int:
        from archive_app.models.workspaces import Membership

        m = s.exec(select(Membership).where(Membership.workspace_id == workspace_id)).first()
        assert m is not None
        return m.user_id

    async def mention(self, creator: str, caption: str, **extra: Any) -> dict[str, Any]:
        body = {"brand_username": "brandco", "creator_handle": creator, "caption": caption}
        return await self.sim("/mentions", {**body, **extra})  # type: ignore[no-any-return]

    async def poll(self) -> mention_poll.PollOutcome:
        d = self.deps
        return await mention_poll.poll_all(d.db, d.gateway, cipher=d.cipher, now=d.clock.now())

    def rows(self, workspace_id: int = 0) -> list[Mention]:
        with Session(self.deps.engine) as s:
            return list(
                s.exec(
                    select(Mention)
                    .where(Mention.workspace_id == (workspace_id or self.workspace_id))
                    .order_by(col(Mention.posted_at).desc())
                ).all()
            )

    def finds(self, mention_id: int | None) -> dict[int, str]:
        with Session(self.deps.engine) as s:
            rows = s.exec(select(MentionFind).where(MentionFind.mention_id == mention_id)).all()
            return {r.source_id: r.via for r in rows}

    def creator(self, handle: str) -> Creator:
        with Session(self.deps.engine) as s:
            found = s.exec(
                select(Creator).where(
                    Creator.workspace_id == self.workspace_id, Creator.handle == handle
                )
            ).one()
            return found


@pytest.fixture
async def world(tmp_path: Path, engine: Engine) -> AsyncIterator[World]:
    settings = sim_settings(3000, tmp_path, public_url="http://app.test", tiktok_backoff_seconds=0)
    clock = ShiftedClock()
    app = Starlette()
    transport = httpx.ASGITransport(app=app)
    deps = deps_module.install(
        build_deps(settings, engine=engine, clock=clock, transport=transport)
    )

    async def on_event(event: TikTokEvent) -> None:
        await tiktok_events.handle(event, deps)  # as archive_app.py does

    app.router.routes.extend(webhook_routes(deps, on_event=on_event))
    sim = create_simulator_app(settings=settings, clock=clock, webhook_transport=transport)
    app.router.routes.append(Mount("/_sim", app=sim))
    with Session(engine) as s:
        owner = factories.workspace(s, now=clock.now())
    async with httpx.AsyncClient(transport=transport, base_url="http://app.test") as control:
        yield World(deps, control, owner.workspace_id, owner.user_id)
    deps_module.uninstall()


@pytest.mark.parametrize("kind", [Kind.tiktok_v1, Kind.tiktok_v2])
async def test_polling_twice_stores_each_video_once_with_its_creator_counted_once(
    world: World, kind: Kind
) -> None:
    source_id = await world.connect(kind, "brandco")
    await world.mention("maya", "Loving @brandco", views=10)
    await world.mention("maya", "Again @brandco", views=20)
    await world.mention("Tom", "Hi @brandco")

    # v.2 already has them from the webhook; v.1 has no webhook and finds them by polling.
    via = "poll" if kind is Kind.tiktok_v1 else "webhook"
    first = await world.poll()
    assert (first.new_mentions, first.retry_later) == (3 if via == "poll" else 0, 0)
    second = await world.poll()
    assert (second.new_mentions, second.new_finds) == (0, 0)

    rows = world.rows()
    assert sorted(r.caption for r in rows) == ["Again @brandco", "Hi @brandco", "Loving @brandco"]
    assert all(world.finds(r.id) == {source_id: via} for r in rows)
    assert world.creator("maya").mention_count == 2
    assert world.creator("tom").mention_count == 1, "handles are stored lower-case"
    assert {r.creator_handle for r in rows} == {"maya", "tom"}


async def test_poll_pages_through_more_than_one_page(world: World) -> None:
    await world.connect(Kind.tiktok_v1, "brandco")  # no webhook: only the poll finds them
    for n in range(45):
        await world.mention(f"c{n % 7}", f"video {n}")
    outcome = await world.poll()
    assert outcome.pages == 3 and outcome.new_mentions == 45
    assert len(world.rows()) == 45


async def test_a_later_poll_updates_the_counts_of_a_known_video(world: World) -> None:
    await world.connect(Kind.tiktok_v2, "brandco")
    video = await world.mention("maya", "@brandco", views=10)
    await world.poll()
    state = await world.control.get("/_sim/control/state")
    assert any(v["item_id"] == video["item_id"] for v in state.json()["videos"])
    # TikTok's numbers grow; a tick later the feed shows the new ones, still one mention.
    with Session(world.deps.engine) as s:
        row = s.exec(select(Mention)).one()
        row.views = 1
        s.add(row)
        s.commit()
    await world.poll()
    [row] = world.rows()
    assert row.views == 10


async def test_the_webhook_adds_the_mention_at_once_and_twice_is_once(world: World) -> None:
    source_id = await world.connect(Kind.tiktok_v2, "brandco")
    answer = await world.mention("maya", "Fresh @brandco", views=5)
    [delivery] = answer["webhooks"]
    assert delivery["event"] == "brand.mention.event" and delivery["status_code"] == 200

    [row] = world.rows()
    assert (row.caption, row.views, row.creator_handle) == ("Fresh @brandco", 5, "maya")
    assert world.finds(row.id) == {source_id: "webhook"}

    # TikTok delivers at least once: the same delivery again is recognised by the route.
    again = await world.control.post(
        "/webhooks/tiktok",
        content=delivery["body"].encode(),
        headers={"Tiktok-Signature": delivery["signature"]},
    )
    assert again.json()["status"] == "duplicate"
    # The same video in a new event (another create_time) is still the same mention.
    payload = json.loads(delivery["body"])
    payload["create_time"] += 1
    body = json.dumps(payload).encode()
    secret = world.deps.settings.tiktok_v2_client_secret.get_secret_value()
    header = signature(secret, body, payload["create_time"])
    fresh = await world.control.post(
        "/webhooks/tiktok", content=body, headers={"Tiktok-Signature": header}
    )
    assert fresh.json()["status"] == "ok"
    assert len(world.rows()) == 1 and world.creator("maya").mention_count == 1


async def test_webhook_then_poll_and_both_kinds_make_one_mention_found_by_each(
    world: World,
) -> None:
    v1 = await world.connect(Kind.tiktok_v1, "brandco")
    v2 = await world.connect(Kind.tiktok_v2, "brandco")
    await world.mention("maya", "Both see @brandco")  # the webhook: v.2 finds it at once
    await world.mention("lina", "only tagged", tag_only=True)
    outcome = await world.poll()  # v.1's inbox and v.2's list find it again
    assert outcome.new_mentions == 0, "both were already there from the webhook"

    by_caption = {r.caption: r for r in world.rows()}
    assert set(by_caption) == {"Both see @brandco", "only tagged"}
    assert world.finds(by_caption["Both see @brandco"].id) == {v1: "poll", v2: "webhook"}
    # A tag-only video: only v.2 (better coverage) finds it.
    assert world.finds(by_caption["only tagged"].id) == {v2: "webhook"}


async def test_a_rate_limited_poll_keeps_the_source_active_and_the_next_tick_collects(
    world: World,
) -> None:
    source_id = await world.connect(Kind.tiktok_v2, "brandco")
    await world.mention("maya", "@brandco")
    with Session(world.deps.engine) as s:  # forget the webhook's: the poll must find it
        for row in s.exec(select(Mention)).all():
            s.delete(row)
        s.commit()
    retries = world.deps.settings.tiktok_max_retries
    for mode in ("rate_limit", "server_error"):
        await world.sim(
            "/failures",
            {"endpoint": "/business/mention/video/list/", "mode": mode, "count": retries + 1},
        )
        outcome = await world.poll()
        assert (outcome.retry_later, outcome.new_mentions) == (1, 0)
    with Session(world.deps.engine) as s:
        source = s.get(Source, source_id)
        assert source is not None and source.status == "active" and source.consecutive_failures == 0
        events = s.exec(select(SourceEvent).where(SourceEvent.source_id == source_id)).all()
        assert [e.status for e in events] == ["active"], "no transition was recorded"
    assert (await world.poll()).new_mentions == 1


class TimingOut:
    """A gateway whose every mention call timed out (after the client's own retries)."""

    kind = Kind.tiktok_v1
    calls = 0

    async def mentions(self, **_: Any) -> Any:
        self.calls += 1
        raise TransientError("TikTok did not answer in time", code="timeout")

    async def aclose(self) -> None:
        return None


async def test_a_timeout_is_retried_next_tick_without_touching_the_source(world: World) -> None:
    source_id = await world.connect(Kind.tiktok_v1, "brandco")
    await world.mention("maya", "@brandco")
    d, gateway = world.deps, TimingOut()
    outcome = await mention_poll.poll_all(
        d.db, lambda _kind: gateway, cipher=d.cipher, now=d.clock.now()
    )
    assert (outcome.retry_later, gateway.calls) == (1, 1) and world.rows() == []
    with Session(world.deps.engine) as s:
        source = s.get(Source, source_id)
        assert source is not None and source.status == "active"
    assert (await world.poll()).new_mentions == 1, "the next tick collects it"


async def test_a_mention_of_one_workspace_account_never_lands_in_another(
    world: World, engine: Engine, session: Session
) -> None:
    other = factories.workspace(
        session, email="owner@other.com", name="Other", now=world.deps.clock.now()
    )
    other_ws = other.workspace_id
    await world.connect(Kind.tiktok_v2, "brandco")
    await world.connect(Kind.tiktok_v2, "otherbrand", workspace_id=other_ws)
    await world.mention("maya", "for brandco")
    await world.poll()
    assert [r.caption for r in world.rows()] == ["for brandco"]
    assert world.rows(other_ws) == []
    with Session(engine) as s:
        creators = s.exec(select(Creator).where(Creator.workspace_id == other_ws)).all()
        assert creators == []


async def test_the_same_account_in_two_workspaces_gives_each_its_own_mention(
    world: World, engine: Engine, session: Session
) -> None:
    other = factories.workspace(
        session, email="owner@agency.com", name="Agency", now=world.deps.clock.now()
    )
    other_ws = other.workspace_id
    await world.connect(Kind.tiktok_v2, "brandco")
    await world.connect(Kind.tiktok_v2, "brandco", workspace_id=other_ws)
    await world.mention("maya", "shared")
    assert len(world.rows()) == 1 and len(world.rows(other_ws)) == 1
    assert world.rows()[0].id != world.rows(other_ws)[0].id


async def test_a_disconnected_source_is_not_polled(world: World) -> None:
    source_id = await world.connect(Kind.tiktok_v2, "brandco")
    with Session(world.deps.engine) as s:
        source = s.get(Source, source_id)
        assert source is not None
        source_service.disconnect_locally(
            s, source=source, reason="test", now=world.deps.clock.now()
        )
        s.commit()
    await world.mention("maya", "@brandco")  # the grant still lives at TikTok in this test
    outcome = await world.poll()
    assert outcome.sources == 0 and world.rows() == []


async def test_posted_time_is_tiktoks_and_first_seen_is_when_we_stored_it(world: World) -> None:
    await world.connect(Kind.tiktok_v2, "brandco")
    before = world.deps.clock.now()
    await world.mention("maya", "@brandco")
    [row] = world.rows()
    assert abs(row.posted_at - before) < timedelta(seconds=5)
    assert row.first_seen_at >= row.posted_at - timedelta(seconds=1)


def signed_event(world: World, open_id: str, content: dict[str, Any]) -> tuple[bytes, str]:
    now = int(world.deps.clock.now().timestamp())
    body = json.dumps(
        {
            "client_key": world.deps.settings.tiktok_v2_client_key,
            "event": "brand.mention.event",
            "create_time": now,
            "user_openid": open_id,
            "content": json.dumps(content),
        }
    ).encode()
    secret = world.deps.settings.tiktok_v2_client_secret.get_secret_value()
    return body, signature(secret, body, now)


async def test_an_event_carrying_only_the_video_id_reads_the_source_list_at_once(
    world: World,
) -> None:
    await world.sim("/accounts", {"username": "brandco"})
    video = await world.mention("maya", "posted before we connected")  # no grant: no webhook
    assert video["webhooks"] == []
    source_id = await world.connect(Kind.tiktok_v2, "brandco")
    with Session(world.deps.engine) as s:
        source = s.get(Source, source_id)
        assert source is not None
        open_id = source.open_id
    body, header = signed_event(world, open_id, {"item_id": video["item_id"]})
    answer = await world.control.post(
        "/webhooks/tiktok", content=body, headers={"Tiktok-Signature": header}
    )
    assert answer.json()["status"] == "ok"
    [row] = world.rows()
    assert (row.video_id, row.caption) == (video["item_id"], "posted before we connected")


async def test_a_mention_event_with_a_bad_signature_adds_nothing(world: World) -> None:
    source_id = await world.connect(Kind.tiktok_v2, "brandco")
    with Session(world.deps.engine) as s:
        source = s.get(Source, source_id)
        assert source is not None
        open_id = source.open_id
    content = {"item_id": "7301", "creator_handle_name": "forger", "caption": "fake"}
    body, header = signed_event(world, open_id, content)
    tampered = body.replace(b"fake", b"evil")
    answer = await world.control.post(
        "/webhooks/tiktok", content=tampered, headers={"Tiktok-Signature": header}
    )
    assert answer.status_code == 401 and world.rows() == []
    body, header = signed_event(world, "oid-nobody-we-know", content)
    answer = await world.control.post(
        "/webhooks/tiktok", content=body, headers={"Tiktok-Signature": header}
    )
    assert answer.json()["status"] == "ok" and world.rows() == [], "no source on that account"
