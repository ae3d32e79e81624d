"""Custom terms: versions, removal, and the version each request is sent with."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from archive_app.models.rights_terms import CustomTerms
from archive_app.services.errors import InvalidInput, NotAllowed, NotFound
from archive_app.services.rights import terms
from archive_app.services.rights.terms import TermsChoice
from tests.services.rights_world import RightsWorld
from tests.services.test_rights import submit

URL = "https://brand.com/creator-terms"


@pytest.fixture
def world(engine: Engine, now: datetime) -> RightsWorld:
    return RightsWorld(engine, now)


def save(world: RightsWorld, ws: int, user: int, url: str = URL, text: str = "", **kw: object):
    at = kw.get("now", world.now)
    return world.run(
        lambda s: terms.save_terms(
            s,
            workspace_id=ws,
            user_id=user,
            url=url,
            text=text,
            now=at,  # type: ignore[arg-type]
        )
    )


def all_terms(world: RightsWorld, ws: int) -> list[tuple[int, str, bool]]:
    rows = world.run(
        lambda s: s.exec(
            select(CustomTerms).where(CustomTerms.workspace_id == ws).order_by("version")
        ).all()
    )
    return [(r.version, r.url, r.retired_at is None) for r in rows]


def test_each_save_is_a_new_version_and_retires_the_one_before(world: RightsWorld) -> None:
    ws, user = world.workspace()

    first = save(world, ws, user, text="Credit @creator in every post.")
    second = save(world, ws, user, url=URL + "/v2", now=world.now + timedelta(hours=1))

    assert (first.version, second.version) == (1, 2)
    assert all_terms(world, ws) == [(1, URL, False), (2, URL + "/v2", True)]
    current = world.run(lambda s: terms.current_terms(s, workspace_id=ws, user_id=user))
    assert current == second


def test_removing_the_terms_retires_the_current_version_and_new_requests_go_without(
    world: RightsWorld,
) -> None:
    ws, user = world.workspace()
    save(world, ws, user)

    world.run(lambda s: terms.remove_terms(s, workspace_id=ws, user_id=user, now=world.now))

    assert all_terms(world, ws) == [(1, URL, False)]
    assert world.run(lambda s: terms.current_terms(s, workspace_id=ws, user_id=user)) is None
    with pytest.raises(NotFound, match="no custom terms to remove"):
        world.run(lambda s: terms.remove_terms(s, workspace_id=ws, user_id=user, now=world.now))


@pytest.mark.parametrize(
    ("url", "text", "message"),
    [
        ("", "", "Enter the web address"),
        ("http://brand.com/terms", "", "must be a full https:// link"),
        ("javascript:alert(1)", "", "must be a full https:// link"),
        ("https://", "", "must be a full https:// link"),
        ("https://brand.com/a b", "", "must be a full https:// link"),
        ("https://brand.com/" + "a" * 2000, "", "at most 2,000 characters"),
        (URL, "x" * 5001, "at most 5,000 characters"),
        (URL, "bell\x07", r"U\+0007"),
    ],
)
def test_bad_terms_are_refused_with_a_reason_and_change_nothing(
    world: RightsWorld, url: str, text: str, message: str
) -> None:
    ws, user = world.workspace()
    save(world, ws, user)

    with pytest.raises(InvalidInput, match=message):
        save(world, ws, user, url=url, text=text)

    assert all_terms(world, ws) == [(1, URL, True)]


async def test_a_request_records_the_version_it_was_sent_with(world: RightsWorld) -> None:
    ws, user = world.workspace()
    creator = world.creator(ws, "maker")
    before = await submit(world, ws, user, [world.mention(ws, creator)])
    v1 = save(world, ws, user)
    with_v1 = await submit(world, ws, user, [world.mention(ws, creator)])
    save(world, ws, user, url=URL + "/v2")

    assert world.request(before.request_id).terms_id is None
    assert world.request(with_v1.request_id).terms_id == v1.terms_id  # not the newer version


async def test_terms_edited_for_one_request_are_its_own_version_never_the_workspaces(
    world: RightsWorld,
) -> None:
    ws, user = world.workspace()
    creator = world.creator(ws, "maker")
    save(world, ws, user)

    edited = await submit(
        world,
        ws,
        user,
        [world.mention(ws, creator)],
        terms=TermsChoice.own(URL + "/special", "Only on Instagram."),
    )
    removed = await submit(world, ws, user, [world.mention(ws, creator)], terms=TermsChoice.none())

    own = world.run(
        lambda s: terms.terms_by_id(
            s, workspace_id=ws, terms_id=world.request(edited.request_id).terms_id
        )
    )
    assert own is not None and (own.version, own.url, own.text) == (
        2,
        URL + "/special",
        "Only on Instagram.",
    )
    assert world.request(removed.request_id).terms_id is None
    current = world.run(lambda s: terms.current_terms(s, workspace_id=ws, user_id=user))
    assert current is not None and (current.version, current.url) == (1, URL)
    assert save(world, ws, user, url=URL + "/v3").version == 3  # numbers stay unique


async def test_bad_terms_for_one_request_refuse_the_request_and_save_nothing(
    world: RightsWorld,
) -> None:
    ws, user = world.workspace()
    creator = world.creator(ws, "maker")

    with pytest.raises(InvalidInput, match="https://"):
        await submit(
            world, ws, user, [world.mention(ws, creator)], terms=TermsChoice.own("ftp://x", "")
        )

    assert all_terms(world, ws) == []
    assert world.run(lambda s: s.exec(select(CustomTerms)).all()) == []


def test_another_workspaces_member_cannot_read_save_or_remove_the_terms(
    world: RightsWorld,
) -> None:
    ws, user = world.workspace()
    save(world, ws, user)
    _other_ws, other_user = world.workspace("rival@other.com", "Rival")

    for work in (
        lambda s: terms.current_terms(s, workspace_id=ws, user_id=other_user),
        lambda s: terms.save_terms(
            s, workspace_id=ws, user_id=other_user, url=URL, text="", now=world.now
        ),
        lambda s: terms.remove_terms(s, workspace_id=ws, user_id=other_user, now=world.now),
    ):
        with pytest.raises(NotAllowed):
            world.run(work)
    assert all_terms(world, ws) == [(1, URL, True)]
