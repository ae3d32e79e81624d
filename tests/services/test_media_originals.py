"""Originals from the creator (issue 22, item 4), below the routes: the type judged on the bytes,
the size limit, streaming to the store (local directory and S3-compatible server alike), and
only one original, only for a request approved on its link."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from archive_app.crypto import TokenCipher
from archive_app.db import session_scope
from archive_app.models.media import MediaKind, MediaObject
from archive_app.models.rights import RightsEvent, RightsRequest, RightsStatus
from archive_app.services.errors import InvalidInput, NotFound, WrongAccount
from archive_app.services.media import originals as files
from archive_app.services.media.store import CHUNK, MediaStore
from archive_app.services.mentions import feed
from archive_app.services.rights import manage, originals, portal
from archive_app.services.rights.link import links_for
from archive_app.settings import Settings
from tests.api.test_portal_routes import make_world
from tests.media_files import mp4, sha256
from tests.services.test_media_store import s3_endpoint, store  # noqa: F401 (fixtures)

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(100)
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(100)


def test_mp4_and_mov_are_told_apart_by_their_ftyp_brand() -> None:
    assert files.sniff(mp4(brand=b"isom")) == files.MP4
    assert files.sniff(mp4(brand=b"mp42")) == files.MP4
    assert files.sniff(mp4(brand=b"qt  ")) == files.MOV


def test_a_file_named_like_a_video_but_not_one_is_refused_by_its_bytes() -> None:
    for body in (JPEG, HEIC, b"hello, this is text and not a video at all", b"", b"\0\0\0\x18ftyp"):
        with pytest.raises(files.NotAVideo, match="not an MP4 or MOV video"):
            files.sniff(body)


def test_an_upload_is_streamed_to_the_store_under_its_request_and_digest(
    store: MediaStore,  # noqa: F811
) -> None:
    body = mp4(3 * CHUNK + 17)  # more than one chunk
    stored = files.store_upload(store, io.BytesIO(body), workspace_id=4, request_id=9)
    assert stored == files.Stored(
        f"w4/originals/r9-{sha256(body)[:16]}.mp4", "video/mp4", len(body), sha256(body)
    )
    assert b"".join(store.chunks(stored.key)) == body


def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(
    store: MediaStore,  # noqa: F811
) -> None:
    body = mp4(2000)
    with pytest.raises(files.TooBig, match="larger than"):
        files.store_upload(store, io.BytesIO(body), workspace_id=4, request_id=9, limit=1000)
    assert store.usage() == {}


def test_a_file_of_the_wrong_type_is_refused_and_nothing_is_stored(
    store: MediaStore,  # noqa: F811
) -> None:
    with pytest.raises(files.NotAVideo):
        files.store_upload(store, io.BytesIO(JPEG), workspace_id=4, request_id=9)
    assert store.usage() == {}


def _approve(engine: Engine, settings: Settings, now: datetime) -> tuple[str, int]:
    """A request approved by its creator on its link (no Login Kit): its token and id."""
    links = links_for(settings.public_url, TokenCipher(settings.fernet_key()))
    request_id = make_world(engine, now, links)
    token = links.token(request_id)
    with session_scope(engine) as s:
        portal.answer(
            s,
            token=token,
            given=portal.Answer("approve"),
            identity=portal.LINK_ONLY,
            login_required=False,
            client=portal.Client("127.0.0.1", "test"),
            now=now,
            cipher=TokenCipher(settings.fernet_key()),
            base_url=settings.public_url,
        )
    return token, request_id


def _stored(request_id: int, body: bytes = b"x") -> files.Stored:
    return files.Stored(f"w1/originals/r{request_id}-{sha256(body)[:16]}.mp4", "video/mp4", 1, "0")


def test_only_a_request_approved_on_its_link_takes_an_original_and_only_once(
    engine: Engine, test_settings: Settings, now: datetime
) -> None:
    token, request_id = _approve(engine, test_settings, now)
    with session_scope(engine) as s:
        target = originals.target(s, token=token, identity=portal.LINK_ONLY, login_required=False)
        assert target.request_id == request_id
        first = _stored(request_id, b"first")
        assert originals.record(s, target=target, stored=first, now=now) == first.key
    with session_scope(engine) as s:
        with pytest.raises(originals.AlreadyReceived, match="already have your original"):
            originals.target(s, token=token, identity=portal.LINK_ONLY, login_required=False)
        # A second file that got past the check (two tabs) is not kept: the first one stays.
        second = _stored(request_id, b"second")
        assert originals.record(s, target=target, stored=second, now=now) == first.key
    with Session(engine) as s:
        rows = s.exec(select(MediaObject).where(MediaObject.kind == MediaKind.original)).all()
        assert [(r.key, r.request_id) for r in rows] == [(first.key, request_id)]
        details = [e.detail for e in s.exec(select(RightsEvent)).all()]
        assert details == ["Answered by the creator", originals.RECEIVED_DETAIL]


def test_an_open_request_or_one_a_member_marked_approved_takes_no_original(
    engine: Engine, test_settings: Settings, now: datetime
) -> None:
    links = links_for(test_settings.public_url, TokenCipher(test_settings.fernet_key()))
    request_id = make_world(engine, now, links)
    token = links.token(request_id)
    with session_scope(engine) as s:
        with pytest.raises(InvalidInput, match="only after approving"):
            originals.target(s, token=token, identity=portal.LINK_ONLY, login_required=False)
        row = s.get(RightsRequest, request_id)
        assert row is not None
        row.status = RightsStatus.approved  # set by a member, not answered on the link
        s.add(row)
    with session_scope(engine) as s, pytest.raises(InvalidInput, match="only after approving"):
        originals.target(s, token=token, identity=portal.LINK_ONLY, login_required=False)


def test_a_wrong_link_a_withdrawn_request_or_another_account_takes_no_original(
    engine: Engine, test_settings: Settings, now: datetime
) -> None:
    token, request_id = _approve(engine, test_settings, now)
    someone = portal.Identity("tiktok_account", "oid-x", "someone_else")
    with session_scope(engine) as s:
        with pytest.raises(NotFound):
            originals.target(s, token=token + "x", identity=portal.LINK_ONLY, login_required=False)
        with pytest.raises(WrongAccount):
            originals.target(s, token=token, identity=someone, login_required=True)
        with pytest.raises(InvalidInput, match="Continue with TikTok first"):
            originals.target(s, token=token, identity=portal.Identity("none"), login_required=True)
        row = s.get(RightsRequest, request_id)
        assert row is not None
        row.withdrawn_at = now + timedelta(hours=1)
        s.add(row)
    with session_scope(engine) as s, pytest.raises(InvalidInput, match="withdrew"):
        originals.target(s, token=token, identity=portal.LINK_ONLY, login_required=False)


def _listed_original(s: Session, request_id: int) -> str:
    """``Download original``'s address on the request's Manage Rights row ("" when none)."""
    row = s.get(RightsRequest, request_id)
    assert row is not None and row.requested_by_id is not None
    who = {"workspace_id": row.workspace_id, "user_id": row.requested_by_id}
    [listed] = [r for r in manage.list_requests(s, **who) if r.request_id == request_id]
    return listed.original_url


def test_manage_rights_offers_the_original_only_while_the_request_is_approved(
    engine: Engine, test_settings: Settings, now: datetime
) -> None:
    token, request_id = _approve(engine, test_settings, now)
    with session_scope(engine) as s:
        assert _listed_original(s, request_id) == ""  # approved, no original yet
        target = originals.target(s, token=token, identity=portal.LINK_ONLY, login_required=False)
        stored = _stored(request_id)
        originals.record(s, target=target, stored=stored, now=now)
    with session_scope(engine) as s:
        name = stored.key.rsplit("/", 1)[-1]
        assert _listed_original(s, request_id) == f"/media/originals/{name}"
        row = s.get(RightsRequest, request_id)
        assert row is not None
        row.status = RightsStatus.declined
        s.add(row)
    with session_scope(engine) as s:
        assert _listed_original(s, request_id) == ""  # changed after approval: none offered


def test_the_feed_cards_and_manage_rights_rows_offer_the_original_of_an_approved_request(
    engine: Engine, test_settings: Settings, now: datetime
) -> None:
    token, request_id = _approve(engine, test_settings, now)
    with session_scope(engine) as s:
        target = originals.target(s, token=token, identity=portal.LINK_ONLY, login_required=False)
        stored = _stored(request_id)
        originals.record(s, target=target, stored=stored, now=now)
    url = "/media/originals/" + stored.key.rsplit("/", 1)[-1]
    with Session(engine) as s:
        row = s.get(RightsRequest, request_id)
        assert row is not None and row.requested_by_id is not None
        who = {"workspace_id": row.workspace_id, "user_id": row.requested_by_id}
        cards = feed.feed_page(s, filters=feed.FeedFilter(), **who).rows
        assert sorted(c.original_url for c in cards) == [url, url]  # both videos of the request
        [listed] = manage.list_requests(s, **who)
        assert listed.original_url == url
