"""The creator's page over HTTP (``/r/<token>``): Continue with TikTok through the simulator,
Approve / Decline once, the proof and the email, wrong tokens, other origins, rate limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.applications import Starlette

from archive_app.api.portal import portal_routes
from archive_app.clock import FixedClock
from archive_app.db import session_scope
from archive_app.deps import Deps
from archive_app.integrations.tiktok.creator_login import creator_login_for
from archive_app.models.media import MediaKind, MediaObject
from archive_app.models.mentions import Creator, Mention
from archive_app.models.notifications import OutboxEmail
from archive_app.models.rights import (
    RightsEvent,
    RightsRequest,
    RightsRequestMention,
    RightsScope,
)
from archive_app.models.rights_proof import RightsProof
from archive_app.services.rights.link import CreatorLinks, links_for, token_hash
from archive_app.settings import Settings
from archive_app.simulator import simulator_mounts
from archive_app.web.portal_cookies import csrf_token
from archive_app.web.rate_limits import RateLimits
from tests import factories
from tests.conftest import build_test_deps


@dataclass
class Portal:
    client: httpx.AsyncClient
    deps: Deps
    links: CreatorLinks
    request_id: int
    token: str
    engine: Engine

    def csrf(self, token: str | None = None) -> str:
        return csrf_token(self.deps.cipher.signing_key, token_hash(token or self.token))

    async def answer(self, token: str | None = None, **form: str) -> httpx.Response:
        data = {"csrf": self.csrf(token), **form}
        return await self.client.post(f"/r/{token or self.token}", data=data)

    async def log_in_as(self, username: str) -> None:
        """Continue with TikTok: the simulator's consent page, as ``username``."""
        await self.client.post("/_sim/control/accounts", json={"username": username})
        start = await self.client.get(f"/r/{self.token}/tiktok")
        assert start.status_code == 303
        authorize = httpx.URL(start.headers["location"])
        consent = await self.client.post(
            authorize.path,
            params=dict(authorize.params),
            data={"username": username, "decision": "authorize"},
        )
        back = httpx.URL(consent.headers["location"])
        done = await self.client.get(back.path, params=dict(back.params))
        assert done.status_code == 303 and done.headers["location"] == f"/r/{self.token}"

    def request(self) -> RightsRequest:
        with Session(self.engine) as s:
            row = s.get(RightsRequest, self.request_id)
            assert row is not None
            return row

    def rows(self, model: type) -> list:
        with Session(self.engine) as s:
            return list(s.exec(select(model)).all())


def make_world(engine: Engine, now: datetime, links: CreatorLinks, **request: object) -> int:
    with session_scope(engine) as s:
        owner = factories.workspace(s, now=now, name="Glow Cosmetics")
        creator = factories.creator(s, workspace_id=owner.workspace_id, now=now, handle="maya")
        videos = [
            factories.mention(
                s, workspace_id=owner.workspace_id, creator=creator, now=now, number=n
            )
            for n in (1, 2)
        ]
        row = factories.rights_request(
            s,
            workspace_id=owner.workspace_id,
            creator_id=creator.id or 0,
            now=now,
            mention_ids=[v.id or 0 for v in videos],
            message="We love your routine video! May we share it?",
            requested_by_id=owner.user_id,
        )
        for key, value in request.items():
            setattr(row, key, value)
        links.ensure(s, row)
        s.add(row)
        return row.id or 0


async def portal_for(
    engine: Engine, settings: Settings, now: datetime, *, login: bool = True, **request: object
) -> AsyncIterator[Portal]:
    clock = FixedClock(now)
    sim = Starlette(routes=simulator_mounts(settings, clock=clock))  # type: ignore[arg-type]
    deps = build_test_deps(engine, settings, clock=clock, simulator=sim)
    links = links_for(settings.public_url, deps.cipher)
    request_id = make_world(engine, now, links, **request)
    creator_login = (
        creator_login_for(settings, transport=httpx.ASGITransport(app=sim)) if login else None
    )
    routes = portal_routes(deps, limits=RateLimits(), creator_login=creator_login)
    # One simulator: the app's Login Kit calls and the test's consent page share its state.
    app = Starlette(routes=[*routes, *sim.routes])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=settings.public_url,
        headers={"origin": settings.public_url},
    ) as client:
        yield Portal(client, deps, links, request_id, links.token(request_id), engine)


@pytest.fixture
async def portal(engine: Engine, test_settings: Settings, now: datetime) -> AsyncIterator[Portal]:
    async for p in portal_for(engine, test_settings, now):
        yield p


async def test_the_page_shows_the_brand_message_videos_and_continue_with_tiktok_noindex(
    portal: Portal,
) -> None:
    page = await portal.client.get(f"/r/{portal.token}")
    assert page.status_code == 200
    assert page.headers["x-robots-tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in page.text
    for shown in (
        "Glow Cosmetics",
        "We love your routine video! May we share it?",
        "video 1 #brand",
        "video 2 #brand",
        "https://www.tiktok.com/@maya/video/1",
        "Usage Rights",
        "Continue with TikTok",
    ):
        assert shown in page.text
    assert "Approve" not in page.text  # not before the creator showed who they are


async def test_the_creator_logs_in_approves_once_and_the_brand_gets_proof_and_an_email(
    portal: Portal, now: datetime
) -> None:
    await portal.log_in_as("maya")
    page = await portal.client.get(f"/r/{portal.token}")
    assert "Logged in with TikTok as <strong>@maya</strong>" in page.text
    assert "Approving approves all 2 videos above, as a whole." in page.text

    answered = await portal.answer(decision="approve", note="Please credit me!")
    assert answered.status_code == 303

    row = portal.request()
    assert (row.status, row.responded_at, row.response_note) == (
        "approved",
        now,
        "Please credit me!",
    )
    [proof] = portal.rows(RightsProof)
    assert (proof.identified_by, proof.tiktok_username, proof.decision) == (
        "tiktok_account",
        "maya",
        "approved",
    )
    assert proof.tiktok_open_id.startswith("oid-")
    assert proof.message == "We love your routine video! May we share it?"
    assert '"video_id": "v1"' in proof.videos_json and '"video_id": "v2"' in proof.videos_json
    events = [e.detail for e in portal.rows(RightsEvent)]
    assert events == ["Answered by the creator"]
    [mail] = portal.rows(OutboxEmail)
    assert (mail.to_address, mail.subject) == (
        "owner@brand.com",
        "@maya approved your usage-rights request",
    )
    assert f"/rights/{portal.request_id}/proof" in mail.text_body
    after = await portal.client.get(f"/r/{portal.token}")
    assert "You approved this request" in after.text and 'name="decision"' not in after.text


async def test_a_replay_a_double_submit_and_a_second_tab_give_one_outcome(portal: Portal) -> None:
    await portal.log_in_as("maya")
    first = await portal.answer(decision="approve")
    again = await portal.answer(decision="approve")
    other_tab = await portal.answer(decision="decline", note="changed my mind")
    assert [r.status_code for r in (first, again, other_tab)] == [303, 303, 303]
    assert portal.request().status == "approved"
    assert portal.request().response_note == ""
    assert len(portal.rows(RightsProof)) == 1
    assert len(portal.rows(OutboxEmail)) == 1
    assert len(portal.rows(RightsEvent)) == 1


async def test_decline_with_a_note_is_recorded_and_mailed_as_declined(portal: Portal) -> None:
    await portal.log_in_as("maya")
    await portal.answer(decision="decline", note="Not this one, sorry.")
    assert (portal.request().status, portal.request().response_note) == (
        "declined",
        "Not this one, sorry.",
    )
    [mail] = portal.rows(OutboxEmail)
    assert mail.subject == "@maya declined your usage-rights request"
    assert "Not this one, sorry." in mail.text_body


async def test_another_tiktok_account_is_told_so_and_cannot_answer(portal: Portal) -> None:
    await portal.log_in_as("someone_else")
    page = await portal.client.get(f"/r/{portal.token}")
    assert "You are logged in to TikTok as @someone_else, but this request was sent" in page.text
    assert "<form" not in page.text
    refused = await portal.answer(decision="approve")
    assert refused.status_code == 400
    assert "Only @maya can answer it" in refused.text
    assert portal.request().status == "in_queue"
    assert portal.rows(RightsProof) == []


async def test_without_logging_in_an_answer_is_refused_when_login_kit_is_configured(
    portal: Portal,
) -> None:
    refused = await portal.answer(decision="approve")
    assert refused.status_code == 400
    assert "Continue with TikTok first" in refused.text
    assert portal.request().status == "in_queue"


async def test_without_a_login_kit_app_the_answer_is_recorded_as_link_only(
    engine: Engine, test_settings: Settings, now: datetime
) -> None:
    async for portal in portal_for(engine, test_settings, now, login=False):
        page = await portal.client.get(f"/r/{portal.token}")
        assert "Continue with TikTok" not in page.text
        assert "recorded without a TikTok login" in page.text
        await portal.answer(decision="approve")
        [proof] = portal.rows(RightsProof)
        assert (proof.identified_by, proof.tiktok_username) == ("link_only", "")


async def test_wrong_tokens_get_the_same_not_found_page_for_get_and_post(portal: Portal) -> None:
    wrong = [portal.token[:-1] + ("A" if portal.token[-1] != "A" else "B"), "x", "a" * 43]
    pages = [await portal.client.get(f"/r/{t}") for t in wrong]
    posts = [await portal.answer(t, decision="approve") for t in wrong]
    assert {p.status_code for p in pages + posts} == {404}
    assert len({p.text for p in pages + posts}) == 1
    assert "This link is not valid" in pages[0].text
    assert portal.request().status == "in_queue"


async def test_a_post_from_another_site_or_without_the_page_token_changes_nothing(
    portal: Portal,
) -> None:
    await portal.log_in_as("maya")
    cross = await portal.client.post(
        f"/r/{portal.token}",
        data={"csrf": portal.csrf(), "decision": "approve"},
        headers={"origin": "https://evil.example"},
    )
    forged = await portal.client.post(
        f"/r/{portal.token}", data={"csrf": "0" * 64, "decision": "approve"}
    )
    assert (cross.status_code, forged.status_code) == (403, 404)
    assert portal.request().status == "in_queue"


async def test_a_withdrawn_request_says_so_and_takes_no_answer(
    engine: Engine, test_settings: Settings, now: datetime
) -> None:
    async for portal in portal_for(engine, test_settings, now, withdrawn_at=now):
        page = await portal.client.get(f"/r/{portal.token}")
        assert "Glow Cosmetics withdrew this request" in page.text
        await portal.log_in_as("maya")
        refused = await portal.answer(decision="approve")
        assert refused.status_code == 400
        assert portal.request().status == "in_queue"


async def test_a_spark_code_approval_checks_the_code_and_stores_it_encrypted_with_expiry(
    engine: Engine, test_settings: Settings, now: datetime
) -> None:
    spark = {"scope": RightsScope.spark_code.value, "spark_duration_days": 30}
    async for portal in portal_for(engine, test_settings, now, **spark):
        page = await portal.client.get(f"/r/{portal.token}")
        assert "Spark Code" in page.text and "for 30 days" in page.text
        await portal.log_in_as("maya")
        bad = await portal.answer(decision="approve", spark_code="hello", spark_days="30")
        assert bad.status_code == 400 and "That is not a Spark Ads code." in bad.text
        odd = await portal.answer(decision="approve", spark_code="#" + "a" * 30, spark_days="14")
        assert odd.status_code == 400 and "7, 30, 60, 365 days" in odd.text
        assert portal.request().status == "in_queue"
        code = "#Zm9vYmFyYmF6cXV4K2Jhc2U2NA=="
        ok = await portal.answer(decision="approve", spark_code=f" {code} ", spark_days="60")
        assert ok.status_code == 303
        row = portal.request()
        assert row.spark_code_enc and code not in row.spark_code_enc
        assert portal.deps.cipher.decrypt(row.spark_code_enc) == code
        assert row.spark_expires_at is not None
        assert row.spark_expires_at - now == timedelta(days=60)
        [proof] = portal.rows(RightsProof)
        assert proof.spark_duration_days == 60


async def test_a_note_with_a_control_character_is_refused_with_its_code(portal: Portal) -> None:
    await portal.log_in_as("maya")
    refused = await portal.answer(decision="approve", note="ok\x1b[31m")
    assert refused.status_code == 400
    assert "U+001B" in refused.text
    assert portal.request().status == "in_queue"


async def test_loading_one_link_too_often_is_refused_with_retry_after(portal: Portal) -> None:
    codes = [(await portal.client.get(f"/r/{portal.token}")).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30
    assert codes[30] == 429
    refused = await portal.client.get(f"/r/{portal.token}")
    assert "Too many attempts from your network." in refused.text
    assert int(refused.headers["retry-after"]) > 0


def _keep_cover(portal: Portal, mention_id: int, body: bytes) -> str:
    """A cover Archive kept for ``mention_id`` (as fetch_covers stores it); its file name."""
    with session_scope(portal.engine) as s:
        mention = s.get(Mention, mention_id)
        assert mention is not None
        key = f"w{mention.workspace_id}/covers/{mention_id}-{'ab' * 8}.jpg"
        s.add(
            MediaObject(
                workspace_id=mention.workspace_id,
                kind=MediaKind.cover,
                key=key,
                content_type="image/jpeg",
                size_bytes=len(body),
                sha256="0" * 64,
                mention_id=mention_id,
                created_at=portal.deps.clock.now(),
            )
        )
    portal.deps.media.put(key, body, content_type="image/jpeg")
    return key.rsplit("/", 1)[-1]


async def test_the_page_shows_archives_cover_of_its_videos_and_no_other_cover(
    portal: Portal,
) -> None:
    with Session(portal.engine) as s:
        request = s.get(RightsRequest, portal.request_id)
        assert request is not None
        mine = s.exec(
            select(RightsRequestMention.mention_id).where(
                RightsRequestMention.request_id == portal.request_id
            )
        ).first()
        other = factories.mention(
            s,
            workspace_id=request.workspace_id,
            creator=s.get(Creator, request.creator_id),
            now=portal.deps.clock.now(),
            number=3,
        )
    assert mine is not None
    name = _keep_cover(portal, mine, b"\xff\xd8\xffcover-of-video-1")
    not_asked = _keep_cover(portal, other.id or 0, b"\xff\xd8\xffcover-of-video-3")

    page = await portal.client.get(f"/r/{portal.token}")
    assert f'src="/r/{portal.token}/covers/{name}"' in page.text
    assert "tiktokcdn" not in page.text and not_asked not in page.text
    cover = await portal.client.get(f"/r/{portal.token}/covers/{name}")
    assert cover.status_code == 200 and cover.content == b"\xff\xd8\xffcover-of-video-1"
    assert cover.headers["x-robots-tag"] == "noindex, nofollow"
    # A video of the workspace that this request does not ask about, or a wrong link: nothing.
    assert (await portal.client.get(f"/r/{portal.token}/covers/{not_asked}")).status_code == 404
    assert (await portal.client.get(f"/r/{'x' * 43}/covers/{name}")).status_code == 404
