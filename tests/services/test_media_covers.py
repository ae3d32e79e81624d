"""Covers kept (issue 22, item 1): fetched once into the store, judged by their bytes, retried
later when they cannot be fetched; served to members of their workspace only; the videos
TikTok deleted are marked removed (item 3)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from archive_app.db import SessionRunner
from archive_app.models.media import CoverFetch, CoverStatus, MediaObject
from archive_app.models.mentions import Mention
from archive_app.services.media import covers, videos
from archive_app.services.media.access import SignedOut, cover_for_viewer
from archive_app.services.media.fetch import FetchLimits
from archive_app.services.media.store import LocalStore
from tests import factories


def _image(kind: str, size: tuple[int, int] = (90, 160)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 90)).save(out, format=kind)
    return out.getvalue()


JPEG, PNG = _image("JPEG"), _image("PNG")


class Cdn:
    """A stand-in for TikTok's CDN and oEmbed with answers the test sets per path."""

    def __init__(self) -> None:
        self.answers: dict[str, list[Response]] = {}
        self.hits: dict[str, int] = {}
        self.gone: set[str] = set()

    def app(self) -> Starlette:
        async def serve(request: Request) -> Response:
            path = request.url.path
            self.hits[path] = self.hits.get(path, 0) + 1
            queue = self.answers.get(path, [])
            return queue.pop(0) if len(queue) > 1 else queue[0]

        async def oembed(request: Request) -> Response:
            video = request.query_params["url"].rsplit("/", 1)[-1]
            if video in self.gone:
                return JSONResponse({"code": 400, "message": "Something went wrong"}, 400)
            if video == "flaky":
                return JSONResponse({}, 503)
            return JSONResponse({"type": "video"})

        return Starlette(routes=[Route("/oembed", oembed), Route("/{name:path}", serve)])


@pytest.fixture
def cdn() -> Cdn:
    return Cdn()


def _world(session: Session, now: datetime, urls: list[str]) -> tuple[int, str, list[int]]:
    owner = factories.workspace(session, now=now)
    creator = factories.creator(session, workspace_id=owner.workspace_id, now=now)
    ids = []
    for n, url in enumerate(urls, start=1):
        row = factories.mention(
            session, workspace_id=owner.workspace_id, creator=creator, now=now, number=n
        )
        row.thumbnail_url = url
        session.add(row)
        session.commit()
        ids.append(row.id or 0)
    return owner.workspace_id, owner.session_token, ids


async def _run(engine: Engine, cdn: Cdn, store: LocalStore, now: datetime) -> covers.CoversResult:
    return await covers.fetch_due(
        SessionRunner(engine),
        store=store,
        now=now,
        transport=httpx.ASGITransport(app=cdn.app()),
        limits=FetchLimits(max_bytes=200_000, backoff_seconds=0),
    )


async def test_a_cover_is_fetched_once_into_the_store_and_its_url_is_archives(
    engine: Engine, session: Session, now: datetime, cdn: Cdn, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "media")
    cdn.answers["/a.jpg"] = [Response(JPEG, media_type="image/jpeg")]
    workspace_id, _, [mention_id] = _world(session, now, ["https://cdn.test/a.jpg"])

    assert (await _run(engine, cdn, store, now)).stored == 1
    assert (await _run(engine, cdn, store, now + timedelta(days=2))).stored == 0
    assert cdn.hits == {"/a.jpg": 1}

    stored = session.exec(select(MediaObject)).one()
    assert stored.key.startswith(f"w{workspace_id}/covers/{mention_id}-")
    assert store.read(stored.key) == JPEG
    assert stored.content_type == "image/jpeg" and stored.size_bytes == len(JPEG)
    urls = covers.cover_urls(session, [mention_id])
    assert urls == {mention_id: "/media/covers/" + stored.key.rsplit("/", 1)[-1]}


async def test_the_type_comes_from_the_bytes_not_the_header(
    engine: Engine, session: Session, now: datetime, cdn: Cdn, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "media")
    cdn.answers["/png"] = [Response(PNG, media_type="image/jpeg")]
    cdn.answers["/svg"] = [
        Response(b"<svg xmlns='http://www.w3.org/2000/svg'/>", media_type="image/jpeg")
    ]
    cdn.answers["/html"] = [Response(b"<html><script>x</script></html>", media_type="image/png")]
    _, _, ids = _world(
        session, now, ["https://c.test/png", "https://c.test/svg", "https://c.test/html"]
    )

    result = await _run(engine, cdn, store, now)

    assert (result.stored, result.failed) == (1, 2)
    assert session.exec(select(MediaObject.content_type)).all() == ["image/png"]
    errors = {f.mention_id: f.last_error for f in session.exec(select(CoverFetch)).all()}
    assert errors == {ids[0]: "", ids[1]: "not an image", ids[2]: "not an image"}


async def test_a_cover_over_the_size_limit_is_refused_even_without_a_length_header(
    engine: Engine, session: Session, now: datetime, cdn: Cdn, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "media")
    big = _image("PNG", (2000, 2000)) + b"\0" * 300_000

    async def chunks():  # streamed: no Content-Length to believe
        for start in range(0, len(big), 65_536):
            yield big[start : start + 65_536]

    from starlette.responses import StreamingResponse

    cdn.answers["/big"] = [StreamingResponse(chunks(), media_type="image/png")]
    _world(session, now, ["https://c.test/big"])
    assert (await _run(engine, cdn, store, now)).failed == 1
    assert session.exec(select(CoverFetch)).one().last_error == "larger than 200000 bytes"
    assert store.usage() == {}


async def test_a_cover_that_cannot_be_fetched_is_retried_later_with_the_mentions_new_url(
    engine: Engine, session: Session, now: datetime, cdn: Cdn, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "media")
    cdn.answers["/old"] = [Response(b"Access Denied", status_code=403)]
    cdn.answers["/new"] = [Response(JPEG, media_type="image/jpeg")]
    _, _, [mention_id] = _world(session, now, ["https://c.test/old"])

    assert (await _run(engine, cdn, store, now)).failed == 1
    fetch = session.get(CoverFetch, mention_id)
    assert fetch is not None and fetch.status == CoverStatus.failed
    assert (fetch.last_error, fetch.next_try_at) == (
        "TikTok answered 403",
        now + timedelta(minutes=1),
    )
    assert covers.cover_urls(session, [mention_id]) == {}

    row = session.get(Mention, mention_id)
    assert row is not None
    row.thumbnail_url = "https://c.test/new"  # a later sighting brings a fresh URL
    session.add(row)
    session.commit()
    assert (await _run(engine, cdn, store, now + timedelta(seconds=30))).stored == 0  # not due
    assert (await _run(engine, cdn, store, now + timedelta(minutes=1))).stored == 1
    assert mention_id in covers.cover_urls(session, [mention_id])


async def test_server_errors_are_retried_at_once_within_one_attempt(
    engine: Engine, session: Session, now: datetime, cdn: Cdn, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "media")
    cdn.answers["/x"] = [Response(b"", status_code=503), Response(JPEG, media_type="image/jpeg")]
    _world(session, now, ["https://c.test/x"])
    assert (await _run(engine, cdn, store, now)).stored == 1
    assert cdn.hits == {"/x": 2}


async def test_a_cover_is_served_only_to_a_signed_in_member_of_its_workspace(
    engine: Engine, session: Session, now: datetime, cdn: Cdn, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "media")
    cdn.answers["/a.jpg"] = [Response(JPEG, media_type="image/jpeg")]
    _, token, [mention_id] = _world(session, now, ["https://c.test/a.jpg"])
    other = factories.workspace(session, now=now, email="other@else.com", name="Else")
    await _run(engine, cdn, store, now)
    name = covers.cover_urls(session, [mention_id])[mention_id].rsplit("/", 1)[-1]

    found = cover_for_viewer(session, token=token, name=name, now=now)
    assert found is not None and found.content_type == "image/jpeg"
    assert cover_for_viewer(session, token=other.session_token, name=name, now=now) is None
    assert cover_for_viewer(session, token=token, name="../../x.jpg", now=now) is None
    with pytest.raises(SignedOut):
        cover_for_viewer(session, token=None, name=name, now=now)


async def test_a_video_tiktok_no_longer_has_is_marked_removed_once_and_others_are_not(
    engine: Engine, session: Session, now: datetime, cdn: Cdn
) -> None:
    _, _, ids = _world(session, now, ["", "", ""])
    for mention_id, video in zip(ids, ["kept", "gone", "flaky"], strict=True):
        row = session.get(Mention, mention_id)
        assert row is not None
        row.url = f"https://www.tiktok.com/@maya/video/{video}"
        session.add(row)
    session.commit()
    cdn.gone.add("gone")

    async def check(at: datetime) -> videos.ChecksResult:
        return await videos.check_due(
            SessionRunner(engine),
            oembed_url="https://tiktok.test/oembed",
            now=at,
            transport=httpx.ASGITransport(app=cdn.app()),
        )

    first = await check(now)
    assert (first.checked, first.removed, first.unanswered) == (2, 1, 1)
    session.expire_all()
    removed = {m.video_id: m.removed_at for m in session.exec(select(Mention)).all()}
    assert removed == {"v1": None, "v2": now, "v3": None}
    later = await check(now + timedelta(hours=2))  # only the unanswered one is asked again
    assert (later.checked, later.unanswered) == (0, 1)
