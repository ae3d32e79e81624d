"""``GET /media/covers/<name>``: Archive's copy of a cover, to members of its workspace only,
cached privately and for good (its name holds its digest)."""

from __future__ import annotations

import hashlib
from datetime import datetime

import httpx
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.applications import Starlette

from archive_app.api.media import media_routes
from archive_app.models.media import CoverFetch, CoverStatus, MediaKind, MediaObject
from archive_app.services.media.store import LocalStore
from archive_app.settings import Settings
from tests import factories
from tests.conftest import build_test_deps

BODY = b"\xff\xd8\xff\xe0 a jpeg, as far as this route cares"


def _stored_cover(session: Session, now: datetime, store: LocalStore) -> tuple[str, str, str]:
    owner = factories.workspace(session, now=now)
    creator = factories.creator(session, workspace_id=owner.workspace_id, now=now)
    mention = factories.mention(session, workspace_id=owner.workspace_id, creator=creator, now=now)
    digest = hashlib.sha256(BODY).hexdigest()
    key = f"w{owner.workspace_id}/covers/{mention.id}-{digest[:16]}.jpg"
    store.put(key, BODY, content_type="image/jpeg")
    row = MediaObject(
        workspace_id=owner.workspace_id,
        kind=MediaKind.cover,
        key=key,
        content_type="image/jpeg",
        size_bytes=len(BODY),
        sha256=digest,
        mention_id=mention.id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    session.add(
        CoverFetch(
            mention_id=mention.id or 0,
            workspace_id=owner.workspace_id,
            status=CoverStatus.stored,
            object_id=row.id,
        )
    )
    session.commit()
    return f"/media/covers/{key.rsplit('/', 1)[-1]}", owner.session_token, digest


async def _get(
    engine: Engine, settings: Settings, store: LocalStore, path: str, **headers: str
) -> httpx.Response:
    app = Starlette(routes=media_routes(build_test_deps(engine, settings, media=store)))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get(path, headers=headers)


async def test_a_member_gets_the_cover_with_private_immutable_caching_and_an_etag(
    engine: Engine, session: Session, now: datetime, test_settings: Settings
) -> None:
    store = LocalStore(test_settings.data_dir / "media")
    path, token, digest = _stored_cover(session, now, store)
    cookie = f"archive_session={token}"

    answer = await _get(engine, test_settings, store, path, cookie=cookie)
    assert answer.status_code == 200 and answer.content == BODY
    assert answer.headers["content-type"] == "image/jpeg"
    assert answer.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert answer.headers["etag"] == f'"{digest}"'

    again = await _get(
        engine, test_settings, store, path, cookie=cookie, **{"if-none-match": f'"{digest}"'}
    )
    assert again.status_code == 304 and again.content == b""


async def test_no_session_another_workspace_or_a_made_up_name_gets_nothing(
    engine: Engine, session: Session, now: datetime, test_settings: Settings
) -> None:
    store = LocalStore(test_settings.data_dir / "media")
    path, token, _ = _stored_cover(session, now, store)
    stranger = factories.workspace(session, now=now, email="x@else.com", name="Else")

    signed_out = await _get(engine, test_settings, store, path)
    assert (signed_out.status_code, signed_out.text) == (401, "Log in to see this cover.")
    other = await _get(
        engine, test_settings, store, path, cookie=f"archive_session={stranger.session_token}"
    )
    assert (other.status_code, other.text) == (404, "No such cover in this workspace.")
    forged = await _get(
        engine, test_settings, store, "/media/covers/1-0000.jpg", cookie=f"archive_session={token}"
    )
    assert forged.status_code == 404
