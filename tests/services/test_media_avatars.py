"""Avatars kept like covers: a source's or creator's TikTok avatar is fetched once into the media
store, against the simulator on a real port; the views show Archive's copy or "" (initials),
never TikTok's URL; a changed picture is fetched anew, a failure retried later."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.routing import Mount

from archive_app import events
from archive_app.clock import ShiftedClock
from archive_app.db import SessionRunner
from archive_app.integrations.tiktok.client import gateway_for
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.integrations.tiktok.mentions import media_origin
from archive_app.models.media import AvatarFetch, CoverStatus, MediaKind, MediaObject
from archive_app.models.mentions import Creator
from archive_app.models.sources import Source
from archive_app.services.media import avatars
from archive_app.services.media.fetch import FetchLimits
from archive_app.services.media.store import LocalStore
from archive_app.services.rights import creators as creator_service
from archive_app.services.rights import manage
from archive_app.services.rights import query as rights_query
from archive_app.services.sources import connect
from archive_app.services.sources import status as source_service
from archive_app.services.sources.disconnection_mail import Links
from archive_app.settings import Settings
from archive_app.simulator import create_simulator_app
from tests import factories
from tests.integrations.tiktok_backends import UvicornThread, sim_settings
from tests.ports import free_port


@dataclass
class World:
    engine: Engine
    settings: Settings
    clock: ShiftedClock
    store: LocalStore
    sim: str  # the simulator's base URL, ".../_sim"

    async def fetch(
        self, *, http_origin: str | None = None, now: datetime | None = None
    ) -> avatars.AvatarsResult:
        origin = media_origin(self.settings) if http_origin is None else http_origin
        return await avatars.fetch_due(
            SessionRunner(self.engine),
            store=self.store,
            now=now or self.clock.now(),
            http_origin=origin,
            limits=FetchLimits(backoff_seconds=0, retries=0),
        )


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> Iterator[World]:
    port = free_port()
    settings = sim_settings(port, tmp_path)
    clock = ShiftedClock()
    sim = create_simulator_app(settings=settings, clock=clock)
    with UvicornThread(Starlette(routes=[Mount("/_sim", app=sim)]), port):
        control = httpx.post(
            f"{settings.public_url}/_sim/control/accounts",
            json={"username": "brandco", "display_name": "Brand Co"},
        )
        assert control.status_code < 300, control.text
        yield World(
            engine, settings, clock, LocalStore(tmp_path / "media"), f"{settings.public_url}/_sim"
        )


async def _connect_v2(world: World, session: Session) -> tuple[int, int, int]:
    """A v2 source connected through the simulator's consent page: (workspace, user, source)."""
    owner = factories.workspace(session, now=world.clock.now())
    db, gateway = SessionRunner(world.engine), gateway_for(Kind.tiktok_v2, world.settings)
    ids = {"workspace_id": owner.workspace_id, "user_id": owner.user_id}
    url = await connect.start_consent(db, gateway, now=world.clock.now(), **ids)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            url, data={**query, "username": "brandco", "decision": "authorize"}
        )
    back = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}
    source_id = await connect.finish_consent(
        db,
        gateway,
        state=back["state"],
        code=back.get("code"),
        error=None,
        cipher=factories.cipher(),
        now=world.clock.now(),
        links=Links(base_url="https://archive.test", help_url="https://help.test"),
        **ids,
    )
    await gateway.aclose()
    return owner.workspace_id, owner.user_id, source_id


def _png_size(body: bytes) -> tuple[str, tuple[int, int]]:
    with Image.open(io.BytesIO(body)) as image:
        return image.format or "", image.size


async def test_a_connected_sources_avatar_is_kept_once_and_its_row_shows_archives_copy(
    world: World, session: Session
) -> None:
    workspace_id, user_id, source_id = await _connect_v2(world, session)
    tiktok_url = session.get(Source, source_id).avatar_url  # type: ignore[union-attr]
    assert tiktok_url == f"{world.sim}/media/avatars/brandco.png"
    [before] = source_service.list_sources(
        session, workspace_id=workspace_id, user_id=user_id, now=world.clock.now()
    )
    assert before.avatar_url == ""  # initials until Archive has its copy

    first = await world.fetch()
    again = await world.fetch()

    assert (first.stored, first.failed, again.stored, again.failed) == (1, 0, 0, 0)
    session.expire_all()
    source = session.get(Source, source_id)
    assert source is not None
    name = source.avatar_key.rsplit("/", 1)[-1]
    assert source.avatar_key.startswith(f"w{workspace_id}/avatars/s{source_id}-")
    assert name.endswith(".png")
    async with httpx.AsyncClient() as client:
        tiktoks = (await client.get(tiktok_url)).content
    assert world.store.read(source.avatar_key) == tiktoks
    assert _png_size(world.store.read(source.avatar_key)) == ("PNG", (160, 160))
    kept = session.exec(select(MediaObject)).one()
    assert (kept.kind, kept.key, kept.content_type) == (
        MediaKind.avatar,
        source.avatar_key,
        "image/png",
    )
    [row] = source_service.list_sources(
        session, workspace_id=workspace_id, user_id=user_id, now=world.clock.now()
    )
    assert row.avatar_url == f"/media/avatars/{name}"


async def test_a_kept_source_avatar_tells_open_sources_tabs(world: World, session: Session) -> None:
    workspace_id, _, _ = await _connect_v2(world, session)
    heard: list[Sequence[events.Event]] = []

    async def handler(recorded: Sequence[events.Event]) -> None:
        heard.append(recorded)

    runner = SessionRunner(world.engine)
    runner.after_commit.install(handler, asyncio.get_running_loop())
    result = await avatars.fetch_due(
        runner, store=world.store, now=world.clock.now(), http_origin=media_origin(world.settings)
    )

    assert result.stored == 1
    assert heard == [[events.SourcesChanged(workspace_id=workspace_id)]]


async def test_senders_social_profiles_and_manage_rights_show_archives_copy_never_tiktoks(
    world: World, session: Session
) -> None:
    now = world.clock.now()
    owner = factories.workspace(session, now=now)
    sender = factories.source(
        session,
        workspace_id=owner.workspace_id,
        now=now,
        cipher=factories.cipher(),
        handle="brandco",
    )
    creator = factories.creator(session, workspace_id=owner.workspace_id, now=now, handle="maya")
    creator.last_mention_at = now  # Social Profiles lists creators who mentioned the brand
    sender.avatar_url = f"{world.sim}/media/avatars/brandco.png"
    creator.avatar_url = f"{world.sim}/media/avatars/maya.png"
    session.add_all([sender, creator])
    session.commit()
    factories.rights_request(
        session, workspace_id=owner.workspace_id, creator_id=creator.id or 0, now=now
    )
    [option] = rights_query.active_senders(session, workspace_id=owner.workspace_id)
    [request] = manage.list_requests(
        session, workspace_id=owner.workspace_id, user_id=owner.user_id
    )
    assert (option.avatar_url, request.creator_avatar) == ("", "")

    assert (await world.fetch()).stored == 2

    session.expire_all()
    [option] = rights_query.active_senders(session, workspace_id=owner.workspace_id)
    kept_creator = session.get(Creator, creator.id)
    assert kept_creator is not None and kept_creator.avatar_key.startswith(
        f"w{owner.workspace_id}/avatars/c{creator.id}-"
    )
    assert option.avatar_url.startswith(f"/media/avatars/s{sender.id}-")
    rows, _ = creator_service.list_creators(
        session, workspace_id=owner.workspace_id, user_id=owner.user_id
    )
    [request] = manage.list_requests(
        session, workspace_id=owner.workspace_id, user_id=owner.user_id
    )
    assert [r.avatar_url for r in rows] == [avatars.avatar_url(kept_creator.avatar_key)]
    assert request.creator_avatar == avatars.avatar_url(kept_creator.avatar_key)
    assert world.store.read(kept_creator.avatar_key) != world.store.read(
        session.get(Source, sender.id).avatar_key
    )  # type: ignore[union-attr]


async def test_a_fresh_signature_keeps_the_copy_and_another_picture_replaces_it(
    world: World, session: Session
) -> None:
    _, _, source_id = await _connect_v2(world, session)
    assert (await world.fetch()).stored == 1
    source = session.get(Source, source_id)
    assert source is not None
    first_key = source.avatar_key

    # Reconnected: TikTok signs the same picture anew. Nothing is fetched, the copy stays.
    source.avatar_url = f"{world.sim}/media/avatars/brandco.png?x-expires=1&x-signature=abc"
    session.add(source)
    session.commit()
    assert (await world.fetch()).stored == 0
    session.refresh(source)
    assert source.avatar_key == first_key

    # Another picture: no copy shows until the new one is kept; the old file goes.
    source.avatar_url = f"{world.sim}/media/avatars/brandnew.png"
    session.add(source)
    session.commit()
    with Session(world.engine) as s:
        avatars.sync(s)
        s.commit()
    session.refresh(source)
    assert source.avatar_key == ""
    assert (await world.fetch()).stored == 1
    session.refresh(source)
    assert source.avatar_key not in ("", first_key)
    assert world.store.exists(source.avatar_key) and not world.store.exists(first_key)
    keys = session.exec(select(MediaObject.key)).all()
    assert keys == [source.avatar_key]


async def test_a_missing_avatar_is_retried_on_the_covers_schedule_and_an_svg_is_not_kept(
    world: World, session: Session
) -> None:
    now = world.clock.now()
    owner = factories.workspace(session, now=now)
    gone = factories.source(
        session, workspace_id=owner.workspace_id, now=now, cipher=factories.cipher(), handle="gone"
    )
    svg = factories.source(
        session,
        workspace_id=owner.workspace_id,
        now=now,
        cipher=factories.cipher(),
        handle="svg",
        open_id="o-svg",
    )
    gone.avatar_url = f"{world.sim}/media/avatars/no%20such%20name!.png"
    svg.avatar_url = f"{world.sim}/media/svg.svg"  # the simulator's old drawing: an SVG
    session.add_all([gone, svg])
    session.commit()

    result = await world.fetch(now=now)

    assert (result.stored, result.failed) == (0, 2)
    rows = {f.source_id: f for f in session.exec(select(AvatarFetch)).all()}
    assert rows[gone.id].last_error == "TikTok answered 404"
    assert rows[svg.id].last_error == "not an image"
    assert {f.status for f in rows.values()} == {CoverStatus.failed}
    assert {f.next_try_at for f in rows.values()} == {now + timedelta(minutes=1)}
    assert session.exec(select(MediaObject)).all() == []
    with Session(world.engine) as s:
        assert avatars.due(s, now=now + timedelta(seconds=59)) == []
        assert len(avatars.due(s, now=now + timedelta(minutes=1))) == 2


async def test_outside_the_simulators_origin_only_https_avatars_are_fetched(
    world: World, session: Session
) -> None:
    await _connect_v2(world, session)  # its avatar is plain http, from the simulator

    result = await world.fetch(http_origin="")  # production: no http origin is trusted

    assert (result.stored, result.failed) == (0, 1)
    assert session.exec(select(AvatarFetch.last_error)).one() == "the avatar URL is not https"
