"""The creator's original video over HTTP (issue 22, item 4): `Add the original video` after
approving (``POST /r/<token>/original``), refused clearly with nothing kept for the wrong type,
too large a file, a cut-short upload, a second file, another site; then `Download original`
(``GET /media/originals/<name>``) for the brand's members only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.applications import Starlette

from archive_app.api.media import media_routes
from archive_app.api.portal import portal_routes
from archive_app.clock import FixedClock
from archive_app.db import session_scope
from archive_app.models.media import MediaKind, MediaObject
from archive_app.services.rights.link import links_for, token_hash
from archive_app.settings import Settings
from archive_app.web.portal_cookies import csrf_token
from archive_app.web.rate_limits import RateLimits
from tests import factories
from tests.api.test_portal_routes import make_world
from tests.conftest import build_test_deps
from tests.media_files import mp4, sha256

LIMIT = 600 * 1024  # this test's limit on an original (the app's is 500 MB)


class Page:
    def __init__(self, client: httpx.AsyncClient, token: str, csrf: str, engine: Engine) -> None:
        self.client, self.token, self.csrf, self.engine = client, token, csrf, engine

    async def approve(self) -> None:
        answered = await self.client.post(
            f"/r/{self.token}", data={"csrf": self.csrf, "decision": "approve"}
        )
        assert answered.status_code == 303

    async def upload(
        self, body: bytes, *, name: str = "clip.mp4", csrf: str | None = None, **headers: str
    ) -> httpx.Response:
        return await self.client.post(
            f"/r/{self.token}/original",
            data={"csrf": self.csrf if csrf is None else csrf},
            files={"original": (name, body, "video/mp4")},
            headers=headers,
        )

    def originals(self) -> list[MediaObject]:
        with Session(self.engine) as s:
            return list(
                s.exec(select(MediaObject).where(MediaObject.kind == MediaKind.original)).all()
            )


@pytest.fixture
async def page(engine: Engine, test_settings: Settings, now: datetime) -> AsyncIterator[Page]:
    deps = build_test_deps(engine, test_settings, clock=FixedClock(now))
    links = links_for(test_settings.public_url, deps.cipher)
    token = links.token(make_world(engine, now, links))
    routes = portal_routes(deps, limits=RateLimits(), creator_login=None, original_max_bytes=LIMIT)
    app = Starlette(routes=[*routes, *media_routes(deps)])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=test_settings.public_url,
        headers={"origin": test_settings.public_url},
    ) as client:
        csrf = csrf_token(deps.cipher.signing_key, token_hash(token))
        yield Page(client, token, csrf, engine)


def _stored_files(settings: Settings) -> list[str]:
    root = settings.data_dir / "media"
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def test_after_approving_the_creator_adds_the_original_and_the_page_says_received(
    page: Page, test_settings: Settings
) -> None:
    await page.approve()
    shown = await page.client.get(f"/r/{page.token}")
    assert '<label for="original">Add the original video</label>' in shown.text
    assert 'enctype="multipart/form-data"' in shown.text
    assert "MP4 or MOV, up to 600 KB." in shown.text
    body = mp4(40_000)

    sent = await page.upload(body)
    assert sent.status_code == 303 and sent.headers["location"] == f"/r/{page.token}"

    [row] = page.originals()
    assert (row.content_type, row.size_bytes, row.sha256) == ("video/mp4", len(body), sha256(body))
    stored = test_settings.data_dir / "media" / row.key
    assert sha256(stored.read_bytes()) == sha256(body)
    spool = test_settings.data_dir / "uploads"  # on the data volume, not /tmp; nothing left
    assert spool.is_dir() and list(spool.iterdir()) == []
    after = await page.client.get(f"/r/{page.token}")
    assert "has your original video (39 KB, received on" in after.text
    assert 'name="original"' not in after.text


async def test_a_mov_is_kept_as_quicktime(page: Page) -> None:
    await page.approve()
    assert (await page.upload(mp4(500, brand=b"qt  "), name="clip.mov")).status_code == 303
    [row] = page.originals()
    assert row.content_type == "video/quicktime" and row.key.endswith(".mov")


async def test_a_file_that_is_not_a_video_is_refused_with_nothing_stored(
    page: Page, test_settings: Settings
) -> None:
    await page.approve()
    refused = await page.upload(b"\xff\xd8\xff\xe0 a photo named clip.mp4" + bytes(500))
    assert refused.status_code == 415
    assert "This is not a video file" in refused.text and "not an MP4 or MOV video" in refused.text
    assert "Nothing from this upload was kept." in refused.text
    assert page.originals() == [] and _stored_files(test_settings) == []


async def test_a_file_over_the_limit_gets_413_with_nothing_stored(
    page: Page, test_settings: Settings
) -> None:
    await page.approve()
    refused = await page.upload(mp4(LIMIT + 1000))
    assert refused.status_code == 413 and "This file is too large" in refused.text
    assert "larger than 600 KB, the most Archive takes" in refused.text
    assert page.originals() == [] and _stored_files(test_settings) == []


async def test_a_body_without_a_length_is_cut_off_at_the_limit_while_streaming(
    page: Page, test_settings: Settings
) -> None:
    await page.approve()
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{page.csrf}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="original"; '
        'filename="clip.mp4"\r\nContent-Type: video/mp4\r\n\r\n'
    ).encode()
    sent: list[int] = []

    async def endless() -> AsyncIterator[bytes]:  # a client that never stops sending
        yield head + mp4(1000)
        for _ in range(1000):
            sent.append(1)
            yield bytes(16 * 1024)

    refused = await page.client.post(
        f"/r/{page.token}/original",
        content=endless(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert refused.status_code == 413
    assert len(sent) < 60  # stopped reading soon after the limit (38 blocks), not at the end
    assert page.originals() == [] and _stored_files(test_settings) == []


async def test_an_upload_cut_short_is_refused_as_interrupted_with_nothing_kept(
    page: Page, test_settings: Settings
) -> None:
    await page.approve()
    boundary = "b0undary"
    cut = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{page.csrf}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="original"; '
        'filename="clip.mp4"\r\nContent-Type: video/mp4\r\n\r\n'
    ).encode() + mp4(5000)  # no closing boundary: the connection ended mid-file
    refused = await page.client.post(
        f"/r/{page.token}/original",
        content=cut,
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert refused.status_code == 400 and "The upload was interrupted" in refused.text
    assert page.originals() == [] and _stored_files(test_settings) == []


async def test_a_second_upload_replaces_nothing_and_says_it_was_already_received(
    page: Page, test_settings: Settings
) -> None:
    await page.approve()
    first = mp4(2000, seed="first")
    assert (await page.upload(first)).status_code == 303
    again = await page.upload(mp4(2000, seed="second"))
    assert again.status_code == 409 and "Already received" in again.text
    [row] = page.originals()
    assert row.sha256 == sha256(first)
    assert len(_stored_files(test_settings)) == 1


async def test_no_upload_before_approving_from_another_site_or_without_the_csrf_token(
    page: Page, test_settings: Settings
) -> None:
    early = await page.upload(mp4(100))
    assert early.status_code == 400 and "only after approving" in early.text
    await page.approve()
    other_site = await page.upload(mp4(100), origin="https://evil.example")
    assert other_site.status_code == 403
    no_csrf = await page.upload(mp4(100), csrf="forged")
    assert no_csrf.status_code == 404
    wrong_link = await page.client.post(
        f"/r/{page.token}x/original", files={"original": ("a.mp4", mp4(100), "video/mp4")}
    )
    assert wrong_link.status_code == 404
    assert page.originals() == [] and _stored_files(test_settings) == []


async def test_the_owner_downloads_the_same_bytes_others_cannot(
    page: Page, engine: Engine, now: datetime
) -> None:
    await page.approve()
    body = mp4(LIMIT - 1000)  # more than two of the store's chunks (256 KB)
    assert (await page.upload(body)).status_code == 303
    [row] = page.originals()
    path = "/media/originals/" + row.key.rsplit("/", 1)[-1]
    with session_scope(engine) as s:
        owner = factories.log_in(s, at=now).session_token
        other = factories.workspace(s, now=now, email="other@brand.com", name="Other").session_token

    got = await page.client.get(path, headers={"cookie": f"archive_session={owner}"})
    assert got.status_code == 200 and sha256(got.content) == sha256(body)
    assert got.headers["content-type"] == "video/mp4"
    assert got.headers["content-disposition"] == f'attachment; filename="original-{path[17:]}"'

    elsewhere = await page.client.get(path, headers={"cookie": f"archive_session={other}"})
    assert elsewhere.status_code == 404 and body[:100] not in elsewhere.content
    stranger = await page.client.get(path)
    assert stranger.status_code == 401 and "Log in" in stranger.text
