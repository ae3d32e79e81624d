"""``GET /media/avatars/<name>``: Archive's copy of a source's or creator's avatar, to members of
its workspace only, cached like covers (privately and for good: its name holds its digest)."""

from __future__ import annotations

import hashlib
from datetime import datetime

import httpx
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.applications import Starlette

from archive_app.api.media import media_routes
from archive_app.models.media import MediaKind, MediaObject
from archive_app.services.media.avatars import avatar_url
from archive_app.services.media.store import LocalStore
from archive_app.settings import Settings
from tests import factories
from tests.conftest import build_test_deps

BODY = b"\x89PNG\r\n\x1a\n an avatar, as far as this route cares"


def _kept(
    session: Session, now: datetime, store: LocalStore, owner: str
) -> tuple[str, str, str, str]:
    """An avatar kept for ``owner`` ("s<id>"/"c<id>") of a new workspace: (path, session token,
    digest, store key)."""
    signed = factories.workspace(session, now=now)
    digest = hashlib.sha256(BODY).hexdigest()
    key = f"w{signed.workspace_id}/avatars/{owner}-{digest[:16]}.png"
    store.put(key, BODY, content_type="image/png")
    session.add(
        MediaObject(
            workspace_id=signed.workspace_id,
            kind=MediaKind.avatar,
            key=key,
            content_type="image/png",
            size_bytes=len(BODY),
            sha256=digest,
            created_at=now,
        )
    )
    session.commit()
    return avatar_url(key), signed.session_token, digest, key


async def _get(
    engine: Engine, settings: Settings, store: LocalStore, path: str, **headers: str
) -> httpx.Response:
    app = Starlette(routes=media_routes(build_test_deps(engine, settings, media=store)))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get(path, headers=headers)


async def test_a_member_gets_the_avatar_cached_like_a_cover_with_an_etag(
    engine: Engine, session: Session, now: datetime, test_settings: Settings
) -> None:
    store = LocalStore(test_settings.data_dir / "media")
    path, token, digest, _ = _kept(session, now, store, "s7")
    cookie = f"archive_session={token}"

    answer = await _get(engine, test_settings, store, path, cookie=cookie)
    again = await _get(
        engine, test_settings, store, path, cookie=cookie, **{"if-none-match": f'"{digest}"'}
    )

    assert path == f"/media/avatars/s7-{digest[:16]}.png"
    assert (answer.status_code, answer.content) == (200, BODY)
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert answer.headers["etag"] == f'"{digest}"'
    assert (again.status_code, again.content) == (304, b"")


async def test_another_workspace_gets_404_and_no_session_gets_401(
    engine: Engine, session: Session, now: datetime, test_settings: Settings
) -> None:
    store = LocalStore(test_settings.data_dir / "media")
    path, _, _, _ = _kept(session, now, store, "c3")
    stranger = factories.workspace(session, now=now, email="x@else.com", name="Else")

    signed_out = await _get(engine, test_settings, store, path)
    other = await _get(
        engine, test_settings, store, path, cookie=f"archive_session={stranger.session_token}"
    )

    assert (signed_out.status_code, signed_out.text) == (401, "Log in to see this avatar.")
    assert (other.status_code, other.text) == (404, "No such avatar in this workspace.")


async def test_a_made_up_name_a_cover_name_or_a_file_missing_from_the_store_is_404(
    engine: Engine, session: Session, now: datetime, test_settings: Settings
) -> None:
    store = LocalStore(test_settings.data_dir / "media")
    path, token, digest, key = _kept(session, now, store, "s7")
    cookie = f"archive_session={token}"

    made_up = await _get(engine, test_settings, store, "/media/avatars/s7-0000.png", cookie=cookie)
    other_owner = await _get(
        engine, test_settings, store, f"/media/avatars/s8-{digest[:16]}.png", cookie=cookie
    )
    cover_name = await _get(
        engine, test_settings, store, f"/media/avatars/7-{digest[:16]}.png", cookie=cookie
    )
    store.delete(key)
    missing = await _get(engine, test_settings, store, path, cookie=cookie)

    assert [r.status_code for r in (made_up, other_owner, cover_name, missing)] == [404] * 4
