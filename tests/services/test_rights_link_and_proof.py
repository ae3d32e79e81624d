"""The creator's link in every request (unguessable, stored hashed, in the DM and in `Copy
message`, counted in the limit) and the proof a member can read, in their workspace only."""

from __future__ import annotations

import base64
from datetime import datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from archive_app.crypto import sha256_hex
from archive_app.models.notifications import OutboxEmail
from archive_app.models.workspaces import Membership
from archive_app.services.errors import InvalidInput, NotFound
from archive_app.services.rights import manage, portal, proof
from archive_app.services.rights import requests as rights
from archive_app.services.rights.link import COPY_NOTE, CreatorLinks, links_for
from archive_app.services.rights.query import MESSAGE_LIMIT
from tests import factories
from tests.services.rights_world import RightsWorld

BASE = "https://archive.example"


@pytest.fixture
def world(engine: Engine, now: datetime) -> RightsWorld:
    return RightsWorld(engine, now)


@pytest.fixture
def links(world: RightsWorld) -> CreatorLinks:
    return links_for(BASE, world.cipher)


async def submit(world: RightsWorld, links: CreatorLinks, message: str = "May we?") -> int:
    ws, user = world.workspace()
    world.source(ws, "brand")
    mention = world.mention(ws, world.creator(ws, "maker"))
    outcome = await rights.submit_request(
        world.db,
        workspace_id=ws,
        user_id=user,
        mention_ids=[mention],
        message=message,
        sender_source_id=None,
        now=world.now,
        gateway=world.relay,  # type: ignore[arg-type]
        cipher=world.cipher,
        links=links,
    )
    return outcome.request_id


def test_a_token_carries_256_bits_is_rebuilt_the_same_and_differs_per_request_and_key(
    links: CreatorLinks,
) -> None:
    token = links.token(7)
    assert len(token) == 43
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    assert links.token(7) == token
    assert links.token(8) != token
    assert CreatorLinks(BASE, b"another key").token(7) != token
    assert links.url(7) == f"{BASE}/r/{token}"


async def test_the_dm_carries_the_link_then_the_copy_line_and_only_its_hash_is_stored(
    world: RightsWorld, links: CreatorLinks
) -> None:
    request_id = await submit(world, links)
    [(_, _, to, text)] = world.relay.messages
    url = links.url(request_id)
    assert to == "maker"
    assert text.endswith(f"Approve or decline here: {url}\n{COPY_NOTE}")
    assert text.startswith("May we?")
    row = world.request(request_id)
    assert row.link_hash == sha256_hex(links.token(request_id))
    assert links.token(request_id) not in str(row.model_dump())


async def test_the_message_limit_counts_the_link(world: RightsWorld, links: CreatorLinks) -> None:
    ws, user = world.workspace()
    mention = world.mention(ws, world.creator(ws, "maker"))
    video = world.mention_row(mention).url  # its video id need not be its row id (PostgreSQL)
    link_part = len(f"\n\nApprove or decline here: {links.placeholder_url()}\n{COPY_NOTE}")
    fits_without_link = "x" * (MESSAGE_LIMIT - len(video) - 2)
    with pytest.raises(InvalidInput) as refused:
        await world.db(
            lambda s: rights.create_request(
                s,
                workspace_id=ws,
                user_id=user,
                mention_ids=[mention],
                message=fits_without_link,
                sender_source_id=None,
                now=world.now,
                links=links,
            )
        )
    assert f"Shorten it by {link_part:,} characters." in refused.value.message


async def test_copy_message_shows_the_same_link_as_the_dm(
    world: RightsWorld, links: CreatorLinks
) -> None:
    request_id = await submit(world, links)
    row = world.request(request_id)
    text = await world.db(
        lambda s: manage.copy_text(
            s,
            workspace_id=row.workspace_id,
            user_id=row.requested_by_id or 0,
            request_id=request_id,
            links=links,
        )
    )
    assert text == world.relay.messages[0][3]


async def test_a_proof_is_read_by_members_of_its_workspace_only(
    world: RightsWorld, links: CreatorLinks
) -> None:
    request_id = await submit(world, links)
    row = world.request(request_id)
    token = links.token(request_id)
    await world.db(
        lambda s: portal.answer(
            s,
            token=token,
            given=portal.Answer("approve"),
            identity=portal.Identity("tiktok_account", "oid-1", "maker"),
            login_required=True,
            client=portal.Client("203.0.113.9", "Phone Browser"),
            now=world.now,
            cipher=world.cipher,
            base_url=BASE,
        )
    )
    seen = await world.db(
        lambda s: proof.proof_for(
            s,
            workspace_id=row.workspace_id,
            user_id=row.requested_by_id or 0,
            request_id=request_id,
        )
    )
    assert (seen.decision, seen.tiktok_username, seen.ip, seen.user_agent) == (
        "Approved",
        "maker",
        "203.0.113.9",
        "Phone Browser",
    )
    assert seen.identified_by == "TikTok account verified"
    other_ws, other_user = world.workspace(email="other@else.com", name="Else")
    with pytest.raises(NotFound):
        await world.db(
            lambda s: proof.proof_for(
                s, workspace_id=other_ws, user_id=other_user, request_id=request_id
            )
        )


async def test_an_unanswered_request_has_no_proof(world: RightsWorld, links: CreatorLinks) -> None:
    request_id = await submit(world, links)
    row = world.request(request_id)
    with pytest.raises(NotFound):
        await world.db(
            lambda s: proof.proof_for(
                s,
                workspace_id=row.workspace_id,
                user_id=row.requested_by_id or 0,
                request_id=request_id,
            )
        )


async def test_the_requester_who_left_the_workspace_gets_no_email(
    world: RightsWorld, links: CreatorLinks, engine: Engine
) -> None:
    request_id = await submit(world, links)
    row = world.request(request_id)

    def leave(s: Session) -> None:
        for m in s.exec(select(Membership).where(Membership.user_id == row.requested_by_id)):
            s.delete(m)
        factories.member(s, workspace_id=row.workspace_id, now=world.now)

    world.run(leave)
    token = links.token(request_id)
    await world.db(
        lambda s: portal.answer(
            s,
            token=token,
            given=portal.Answer("decline"),
            identity=portal.LINK_ONLY,
            login_required=False,
            client=portal.Client("203.0.113.9", ""),
            now=world.now,
            cipher=world.cipher,
            base_url=BASE,
        )
    )
    with Session(engine) as s:
        assert s.exec(select(OutboxEmail)).all() == []
