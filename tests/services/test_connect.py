"""Connecting TikTok accounts, end to end through the services, against the simulator over HTTP.

Each test plays the TikTok side with the simulator's control API (TIKTOK.md), exactly as the
demo and the acceptance checks do.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.routing import Mount

from archive_app.clock import ShiftedClock
from archive_app.integrations.tiktok.client import gateway_for
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.models.notifications import OutboxEmail
from archive_app.models.sources import ConnectAttempt, Source, SourceEvent
from archive_app.services import invite as invite_service
from archive_app.services.actor import Actor
from archive_app.services.errors import (
    ConnectionCancelled,
    InvalidInput,
    NotFound,
    WrongAccount,
)
from archive_app.services.sources import connect, health
from archive_app.services.sources import qr as connect_qr
from archive_app.services.sources import status as source_service
from archive_app.services.sources.disconnection_mail import Links
from archive_app.simulator import create_simulator_app
from tests import factories
from tests.integrations.tiktok_backends import UvicornThread, sim_settings
from tests.ports import free_port

T = TypeVar("T")
LINKS = Links(base_url="https://archive.test", help_url="https://help.archive.test/tiktok")


class World:
    """A workspace with an owner, the simulator on a real port, and the adapters services take."""

    def __init__(self, engine: Engine, settings: Any, clock: ShiftedClock) -> None:
        self.engine, self.settings, self.clock = engine, settings, clock
        self.cipher = factories.cipher()
        self.control = httpx.AsyncClient(base_url=f"{settings.public_url}/_sim", timeout=10)
        self.gateways = {k: gateway_for(k, settings) for k in Kind}
        with Session(engine) as s:
            owner = factories.workspace(s, now=clock.now())
        self.user_id, self.workspace_id = owner.user_id, owner.workspace_id

    async def db(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with Session(self.engine, expire_on_commit=False) as s:
                result = work(s)
                s.commit()
                return result

        return await asyncio.to_thread(run)

    async def sim(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = await self.control.post(path, json=body or {})
        assert response.status_code < 300, response.text
        return response.json()

    def ids(self, user_id: int | None = None, workspace_id: int | None = None) -> dict[str, int]:
        return {
            "workspace_id": workspace_id or self.workspace_id,
            "user_id": user_id or self.user_id,
        }

    async def start_qr(self, emails: list[str] | None = None, **kw: Any) -> connect_qr.QrProgress:
        return await connect_qr.start_qr(
            self.db,
            self.gateways[Kind.tiktok_v1],
            reminder_emails=emails or ["owner@brand.com"],
            now=self.clock.now(),
            **{**self.ids(), **kw},
        )

    async def poll(self, attempt_id: int, **kw: Any) -> connect_qr.QrProgress:
        return await connect_qr.poll_qr(
            self.db,
            self.gateways[Kind.tiktok_v1],
            attempt_id=attempt_id,
            cipher=self.cipher,
            now=self.clock.now(),
            links=LINKS,
            **{**self.ids(), **kw},
        )

    async def qr_token(self, progress: connect_qr.QrProgress) -> str:
        return urlsplit(progress.scan_url).path.rsplit("/", 1)[-1]

    async def phone_logs_in(self, progress: connect_qr.QrProgress, username: str) -> None:
        token = await self.qr_token(progress)
        await self.sim(f"/control/qr/{token}/scan", {"username": username})
        await self.sim(f"/control/qr/{token}/confirm")

    async def consent(
        self, username: str, *, decision: str = "authorize", **kw: Any
    ) -> dict[str, str]:
        url = await connect.start_consent(
            self.db, self.gateways[Kind.tiktok_v2], now=self.clock.now(), **{**self.ids(), **kw}
        )
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        answer = await self.control.post(
            url, data={**query, "username": username, "decision": decision}
        )
        assert answer.status_code == 303, answer.text
        return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}

    async def finish(self, params: dict[str, str], **kw: Any) -> int:
        return await connect.finish_consent(
            self.db,
            self.gateways[Kind.tiktok_v2],
            state=params.get("state", ""),
            code=params.get("code"),
            error=params.get("error"),
            cipher=self.cipher,
            now=self.clock.now(),
            links=LINKS,
            **{**self.ids(), **kw},
        )

    def sources(self) -> list[source_service.SourceRow]:
        with Session(self.engine) as s:
            return source_service.list_sources(s, now=self.clock.now(), **self.ids())

    async def aclose(self) -> None:
        for gateway in self.gateways.values():
            await gateway.aclose()
        await self.control.aclose()


@pytest.fixture
async def world(engine: Engine, tmp_path: Path) -> AsyncIterator[World]:
    port = free_port()
    settings = sim_settings(port, tmp_path)
    clock = ShiftedClock()
    sim = create_simulator_app(settings=settings, clock=clock)
    with UvicornThread(Starlette(routes=[Mount("/_sim", app=sim)]), port):
        w = World(engine, settings, clock)
        await w.sim("/control/accounts", {"username": "brandco", "display_name": "Brand Co"})
        await w.sim("/control/accounts", {"username": "otherco", "display_name": "Other Co"})
        yield w
        await w.aclose()


async def test_v1_qr_scan_and_confirm_connects_an_active_source_with_180_days(world):
    progress = await world.start_qr(["owner@brand.com", "social@brand.com"])
    assert progress.phase == connect_qr.QrPhase.waiting and "/_sim/phone/qr/" in progress.scan_url
    assert (await world.poll(progress.attempt_id)).phase == connect_qr.QrPhase.waiting
    token = await world.qr_token(progress)
    await world.sim(f"/control/qr/{token}/scan", {"username": "brandco"})
    assert (await world.poll(progress.attempt_id)).phase == connect_qr.QrPhase.scanned
    await world.sim(f"/control/qr/{token}/confirm")
    done = await world.poll(progress.attempt_id, was_scanned=True)
    assert done.phase == connect_qr.QrPhase.connected and done.source_id
    [row] = world.sources()
    assert (row.handle, row.kind_name, row.status_label, row.badge) == (
        "brandco",
        "TikTok Account v.1",
        "Active",
        "green",
    )
    assert row.days_remaining == 180
    assert row.connected_by == "owner@brand.com"
    assert row.reminder_emails == ("owner@brand.com", "social@brand.com")
    with Session(world.engine) as s:
        source = s.exec(select(Source)).one()
        assert source.access_token_enc and "act." not in source.access_token_enc  # encrypted
        assert world.cipher.decrypt(source.access_token_enc).startswith("act.")


async def test_an_expired_qr_code_is_replaced_without_asking(world):
    progress = await world.start_qr()
    world.clock.advance(timedelta(seconds=world.settings.simulator_qr_lifetime_seconds + 5))
    renewed = await world.poll(progress.attempt_id)
    assert renewed.phase == connect_qr.QrPhase.renewed
    assert renewed.scan_url != progress.scan_url
    await world.phone_logs_in(renewed, "brandco")
    assert (await world.poll(progress.attempt_id)).phase == connect_qr.QrPhase.connected


async def test_a_denied_scan_says_so_and_saves_nothing(world):
    progress = await world.start_qr()
    token = await world.qr_token(progress)
    await world.sim(f"/control/qr/{token}/scan", {"username": "brandco"})
    assert (await world.poll(progress.attempt_id)).phase == connect_qr.QrPhase.scanned
    await world.sim(f"/control/qr/{token}/deny")
    denied = await world.poll(progress.attempt_id, was_scanned=True)
    assert denied.phase == connect_qr.QrPhase.denied and "denied" in denied.message
    assert world.sources() == []


async def test_a_confirmation_for_another_ticket_is_refused(world):
    progress = await world.start_qr()
    token = await world.qr_token(progress)
    await world.sim(f"/control/qr/{token}/scan", {"username": "brandco", "client_ticket": "forged"})
    await world.sim(f"/control/qr/{token}/confirm")
    refused = await world.poll(progress.attempt_id)
    assert (
        refused.phase == connect_qr.QrPhase.failed
        and "did not come from this page" in refused.message
    )
    assert world.sources() == []


@pytest.mark.parametrize(
    ("emails", "message"),
    [
        (["not-an-email"], "not a valid email"),
        (["a@brand.com", "A@Brand.com "], "already in the list"),
        ([], "at least one"),
    ],
)
async def test_bad_reminder_addresses_are_refused_before_any_qr(world, emails, message):
    with pytest.raises(InvalidInput, match=message):
        await connect_qr.start_qr(
            world.db,
            world.gateways[Kind.tiktok_v1],
            reminder_emails=emails,
            now=world.clock.now(),
            **world.ids(),
        )
    with Session(world.engine) as s:
        assert s.exec(select(ConnectAttempt)).all() == []


async def test_v2_consent_connects_an_active_source_with_360_days(world):
    params = await world.consent("brandco")
    source_id = await world.finish(params)
    [row] = world.sources()
    assert row.source_id == source_id and row.kind_name == "TikTok Account v.2"
    assert (row.status_label, row.days_remaining) == ("Active", 360)
    assert row.reminder_emails == ()


async def test_cancel_on_tiktoks_page_saves_nothing(world):
    params = await world.consent("brandco", decision="cancel")
    assert params["error"] == "access_denied"
    with pytest.raises(ConnectionCancelled, match="Connection cancelled") as caught:
        await world.finish(params)
    # A choice, not bad input: the callback sends the person back to Sources by this type alone.
    assert not isinstance(caught.value, InvalidInput)
    assert world.sources() == []


async def test_any_other_error_from_tiktok_is_a_refusal_not_a_cancel(world):
    params = await world.consent("brandco", decision="cancel")
    with pytest.raises(InvalidInput, match="did not connect the account") as caught:
        await world.finish({**params, "error": "server_error"})
    assert not isinstance(caught.value, ConnectionCancelled)
    assert world.sources() == []


async def test_a_replayed_callback_is_refused(world):
    params = await world.consent("brandco")
    await world.finish(params)
    with pytest.raises(InvalidInput, match="already used"):
        await world.finish(params)
    assert len(world.sources()) == 1


async def test_a_callback_for_someone_else_is_refused_and_saves_nothing(world):
    with Session(world.engine) as s:
        stranger = factories.workspace(s, email="x@other.com", name="Other", now=world.clock.now())
    params = await world.consent("brandco")
    with pytest.raises(InvalidInput, match="started by someone else"):
        await world.finish(params, user_id=stranger.user_id, workspace_id=stranger.workspace_id)
    with Session(world.engine) as s:
        assert s.exec(select(Source)).all() == []


async def test_a_state_older_than_10_minutes_is_refused(world):
    params = await world.consent("brandco")
    world.clock.advance(connect.ATTEMPT_LIFETIME + timedelta(seconds=1))
    with pytest.raises(InvalidInput, match="expired"):
        await world.finish(params)
    with pytest.raises(NotFound):
        await world.finish({**params, "state": "made-up"})


async def test_both_kinds_side_by_side_and_the_same_account_again_updates(world):
    await world.finish(await world.consent("brandco"))
    progress = await world.start_qr()
    await world.phone_logs_in(progress, "brandco")
    await world.poll(progress.attempt_id)
    assert sorted(r.kind for r in world.sources()) == ["tiktok_v1", "tiktok_v2"]
    again = await world.consent("brandco")  # a new "Add Source" of the same account
    await world.finish(again)
    assert sorted(r.kind for r in world.sources()) == ["tiktok_v1", "tiktok_v2"]


async def test_reconnect_refuses_another_account_naming_the_expected_one(world):
    source_id = await world.finish(await world.consent("brandco"))
    params = await world.consent("otherco", source_id=source_id)
    with pytest.raises(WrongAccount, match="@brandco"):
        await world.finish(params)
    [row] = world.sources()
    assert row.handle == "brandco" and row.status_label == "Active"


async def test_disconnect_revokes_at_tiktok_removes_tokens_and_keeps_history(world):
    source_id = await world.finish(await world.consent("brandco"))
    handle = await connect.disconnect(
        world.db,
        world.gateways.__getitem__,
        source_id=source_id,
        cipher=world.cipher,
        now=world.clock.now(),
        **world.ids(),
    )
    assert handle == "brandco"
    [row] = world.sources()
    assert (row.status_label, row.badge) == ("Disconnected", "red")
    assert row.reason == "Disconnected in Archive by owner@brand.com"
    state = (await world.control.get("/control/state")).json()
    assert [g["revoked_at"] is not None for g in state["grants"]] == [True]
    with Session(world.engine) as s:
        source = s.get(Source, source_id)
        assert source.access_token_enc is None and source.refresh_token_enc is None
        events = s.exec(select(SourceEvent).where(SourceEvent.source_id == source_id)).all()
        assert [e.status for e in events] == ["active", "disconnected"]
    # Reconnecting the same account brings the same source back (history kept).
    assert await world.finish(await world.consent("brandco", source_id=source_id)) == source_id
    assert world.sources()[0].status_label == "Active"


async def test_a_revoked_grant_disconnects_every_source_on_that_account(world):
    source_id = await world.finish(await world.consent("brandco"))
    assert _revoke(world, source_id) == [(world.workspace_id, source_id)]
    [row] = world.sources()
    assert row.badge == "red" and row.reason == "Access was revoked in the TikTok app"


async def test_sources_and_reminders_stay_inside_their_workspace(world):
    source_id = await world.finish(await world.consent("brandco"))
    with Session(world.engine) as s:
        other = factories.workspace(s, email="x@other.com", name="Other", now=world.clock.now())
        assert (
            source_service.list_sources(
                s, workspace_id=other.workspace_id, user_id=other.user_id, now=world.clock.now()
            )
            == []
        )
        with pytest.raises(NotFound):
            source_service.update_reminders(
                s,
                workspace_id=other.workspace_id,
                user_id=other.user_id,
                source_id=source_id,
                emails=["x@other.com"],
            )
    with pytest.raises(NotFound):
        await connect.disconnect(
            world.db,
            world.gateways.__getitem__,
            source_id=source_id,
            cipher=world.cipher,
            now=world.clock.now(),
            **world.ids(other.user_id, other.workspace_id),
        )
    assert world.sources()[0].status_label == "Active"


async def test_reminder_addresses_can_be_edited_later_and_are_validated(world):
    progress = await world.start_qr()
    await world.phone_logs_in(progress, "brandco")
    done = await world.poll(progress.attempt_id)
    with Session(world.engine) as s:
        with pytest.raises(InvalidInput, match="already in the list"):
            source_service.update_reminders(
                s, source_id=done.source_id, emails=["a@b.com", "a@b.com"], **world.ids()
            )
        saved = source_service.update_reminders(
            s, source_id=done.source_id, emails=[" New@Brand.com"], **world.ids()
        )
        s.commit()
    assert saved == ["new@brand.com"]
    assert world.sources()[0].reminder_emails == ("new@brand.com",)


def test_days_left_rounds_up_and_never_goes_below_zero(now):
    assert source_service.days_left(now + timedelta(days=179, hours=12), now) == 180
    assert source_service.days_left(now - timedelta(days=1), now) == 0
    assert source_service.days_left(None, now) is None


def _revoke(world: World, source_id: int) -> list[tuple[int, int]]:
    with Session(world.engine) as s:
        open_id = s.get(Source, source_id).open_id
        changed = health.grant_removed(
            s,
            open_id=open_id,
            reason="Access was revoked in the TikTok app",
            now=world.clock.now(),
            links=LINKS,
        )
        s.commit()
    return changed


def _alerts(world: World) -> list[OutboxEmail]:
    with Session(world.engine) as s:
        return list(
            s.exec(
                select(OutboxEmail).where(
                    OutboxEmail.subject == "[ACTION REQUIRED]: TikTok Reconnection Needed"
                )
            ).all()
        )


async def test_a_disconnection_emails_every_member_once_with_a_reconnect_link(world):
    with Session(world.engine) as s:
        sent = invite_service.invite(
            s,
            actor=Actor(workspace_id=world.workspace_id, user_id=world.user_id),
            email="mate@brand.com",
            base_url=LINKS.base_url,
            reveal_link=True,
            now=world.clock.now(),
        )
        invite_service.accept_invite(
            s,
            token=sent.accept_url.rsplit("/", 1)[-1],
            password="mate-pass",
            session_token=None,
            now=world.clock.now(),
        )
        s.commit()
    source_id = await world.finish(await world.consent("brandco"))
    _revoke(world, source_id)
    mails = _alerts(world)
    assert sorted(m.to_address for m in mails) == ["mate@brand.com", "owner@brand.com"]
    for mail in mails:
        assert f"{LINKS.base_url}/settings/sources?reconnect={source_id}" in mail.html_body
        assert LINKS.help_url in mail.html_body and "@brandco" in mail.text_body
        assert "Access was revoked in the TikTok app" in mail.text_body
    [row] = world.sources()
    assert row.alert_event_id is not None  # the pop-up is open for every tab
    # TikTok repeats itself (at-least-once webhooks): nobody hears about it twice.
    assert _revoke(world, source_id) == []
    assert len(_alerts(world)) == 2


async def test_removed_members_and_deliberate_disconnects_get_no_alert(world):
    source_id = await world.finish(await world.consent("brandco"))
    await connect.disconnect(
        world.db,
        world.gateways.__getitem__,
        source_id=source_id,
        cipher=world.cipher,
        now=world.clock.now(),
        **world.ids(),
    )
    assert _alerts(world) == []
    assert world.sources()[0].alert_event_id is None


async def test_reconnecting_closes_the_episode_and_a_new_break_is_a_new_one(world):
    source_id = await world.finish(await world.consent("brandco"))
    _revoke(world, source_id)
    await world.finish(await world.consent("brandco", source_id=source_id))
    [row] = world.sources()
    assert row.status_label == "Active" and row.alert_event_id is None
    world.clock.advance(timedelta(minutes=2))  # a later outage (one minute joins one mail)
    _revoke(world, source_id)
    assert len(_alerts(world)) == 2  # one per episode for the one member
    assert len({m.dedupe_key for m in _alerts(world)}) == 2
