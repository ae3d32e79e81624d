"""The dev mail viewer and job runner exist in demo/test mode only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import Engine
from starlette.applications import Starlette

from archive_app.api.dev import dev_routes
from archive_app.clock import FixedClock
from archive_app.deps import Deps, build_deps
from archive_app.jobs.runs import run_job_now
from archive_app.jobs.tasks import JobSpec
from archive_app.mail.disconnection import disconnection_message
from archive_app.mail.sender import SmtpSender
from archive_app.mail.sink import MailSink
from archive_app.settings import Settings
from tests.conftest import build_test_deps
from tests.ports import free_port
from tests.production_settings import production_settings

RECONNECT = "http://localhost:3000/settings/sources/3/reconnect"


def _client(engine: Engine, settings: Settings, **kw) -> httpx.AsyncClient:
    app = Starlette(routes=dev_routes(build_test_deps(engine, settings), **kw))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(mode="test", data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=free_port())


@pytest.fixture
def received(engine: Engine, settings: Settings) -> Iterator[None]:
    """One disconnection mail delivered over SMTP into the sink."""
    at = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    message = disconnection_message(
        to="owner@brand.example",
        workspace_name="Brand <Inc>",
        source_handle="brandofficial",
        source_kind_name="TikTok Account v.1",
        reason="Access was revoked in the TikTok app",
        reconnect_url=RECONNECT,
        help_url="https://help.archive.local/connecting-tiktok",
    )
    with MailSink(host="127.0.0.1", port=settings.smtp_port, engine=engine, clock=FixedClock(at)):
        SmtpSender(settings).send(message, message_id="m1")
    yield


async def test_mail_json_lists_what_the_sink_received(engine, settings, received):
    async with _client(engine, settings) as client:
        answer = await client.get("/dev/mail.json")
    assert answer.status_code == 200
    [mail] = answer.json()["messages"]
    assert mail["subject"] == "[ACTION REQUIRED]: TikTok Reconnection Needed"
    assert mail["to"] == ["owner@brand.example"]
    assert mail["received_at"] == "2026-11-23T12:00:00+00:00"
    assert {"text": "Reconnect", "href": RECONNECT} in mail["links"]


async def test_mail_page_lists_and_opens_a_mail_with_its_links_intact(engine, settings, received):
    async with _client(engine, settings) as client:
        index = await client.get("/dev/mail")
        mail_id = (await client.get("/dev/mail.json")).json()["messages"][0]["id"]
        detail = await client.get(f"/dev/mail/{mail_id}")
        missing = await client.get("/dev/mail/999999")
    assert index.status_code == 200
    assert "[ACTION REQUIRED]: TikTok Reconnection Needed" in index.text
    assert f'href="/dev/mail/{mail_id}"' in index.text
    assert detail.status_code == 200
    assert "<iframe" in detail.text and "sandbox=" in detail.text
    # The mail sits escaped inside srcdoc; the browser un-escapes it into a live link.
    assert f"href=&quot;{RECONNECT}&quot;" in detail.text
    assert "Brand &amp;lt;Inc&amp;gt;" in detail.text  # still escaped once inside the mail
    assert missing.status_code == 404


async def test_post_dev_jobs_runs_the_job_and_404s_unknown_names(engine, settings):
    calls: list[str] = []

    async def echo(deps: Deps) -> dict[str, int]:
        calls.append("echo")
        return {"echoed": 1}

    deps = build_test_deps(engine, settings)
    jobs = (JobSpec("test_echo", timedelta(seconds=60), echo),)

    async def run_job(name: str) -> dict[str, object]:
        return await run_job_now(name, deps, jobs=jobs)

    async with _client(engine, settings, run_job=run_job) as client:
        ran = await client.post("/dev/jobs/test_echo")
        unknown = await client.post("/dev/jobs/make_coffee")
        wrong_method = await client.get("/dev/jobs/test_echo")
    assert ran.status_code == 200
    assert ran.json()["ok"] is True and ran.json()["result"] == {"echoed": 1}
    assert calls == ["echo"]
    assert unknown.status_code == 404 and "make_coffee" in unknown.json()["error"]
    assert wrong_method.status_code == 405


async def test_production_has_no_dev_routes(tmp_path, engine):
    deps = build_deps(production_settings(tmp_path), engine=engine)

    async def run_job(name: str) -> dict[str, object]:
        return await run_job_now(name, deps)

    assert dev_routes(deps, run_job=run_job) == []
    app = Starlette(routes=dev_routes(deps, run_job=run_job))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        assert (await client.get("/dev/mail")).status_code == 404
        assert (await client.get("/dev/mail.json")).status_code == 404
        assert (await client.post("/dev/jobs/drain_outbox")).status_code == 404


def test_production_refuses_to_start_without_its_secrets(tmp_path):
    with pytest.raises(
        ValueError, match=r"(?s)ARCHIVE_ENCRYPTION_KEY.*ARCHIVE_TIKTOK_V2_CLIENT_SECRET"
    ):
        Settings(
            _env_file=None,
            mode="production",
            data_dir=tmp_path,
            public_url="https://archive.brand.example",
        )
    with pytest.raises(ValueError, match="must not be '\\*'"):
        production_settings(tmp_path, cors_allowed_origins=["*"])


@pytest.mark.parametrize(
    "mail_id",
    [
        "99999999999999999999999",
        "9" * 5000,
        "0",
        "-1",
        "١",
        "1e3",
        "9223372036854775808",
        "2147483648",
    ],
)
async def test_a_mail_id_beyond_64_bits_or_not_a_number_is_404_not_500(engine, settings, mail_id):
    async with _client(engine, settings) as client:
        response = await client.get(f"/dev/mail/{mail_id}")
    assert response.status_code == 404
    assert "No such mail" in response.text


CROSS_SITE = [
    # A page on another site posting a text/plain fetch or a form (issue 18, section 5).
    {"Origin": "http://evil.example", "Content-Type": "text/plain"},
    {"Origin": "null", "Content-Type": "application/x-www-form-urlencoded"},
    {"Origin": "http://test.evil.example"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site", "Origin": "http://test"},
]


@pytest.mark.parametrize("headers", CROSS_SITE)
async def test_a_cross_site_request_to_the_dev_routes_is_refused_and_runs_nothing(
    engine, settings, received, headers
):
    calls: list[str] = []

    async def run_job(name: str) -> dict[str, object]:
        calls.append(name)
        return {"ok": True}

    async with _client(engine, settings, run_job=run_job) as client:
        job = await client.post("/dev/jobs/poll_mentions", content="x", headers=headers)
        mail = await client.get("/dev/mail.json", headers=headers)
        page = await client.get("/dev/mail", headers=headers)
    assert (job.status_code, mail.status_code, page.status_code) == (403, 403, 403)
    assert "another site" in job.json()["error"]
    assert "owner@brand.example" not in mail.text + page.text
    assert calls == []


async def test_our_own_pages_and_scripts_without_an_origin_still_use_the_dev_routes(
    engine, settings, received
):
    calls: list[str] = []

    async def run_job(name: str) -> dict[str, object]:
        calls.append(name)
        return {"ok": True}

    own = {"Origin": "http://test", "Sec-Fetch-Site": "same-origin"}
    async with _client(engine, settings, run_job=run_job) as client:
        scripted = await client.post("/dev/jobs/poll_mentions")
        from_page = await client.post("/dev/jobs/poll_mentions", headers=own)
        typed = await client.get("/dev/mail", headers={"Sec-Fetch-Site": "none"})
    assert (scripted.status_code, from_page.status_code, typed.status_code) == (200, 200, 200)
    assert calls == ["poll_mentions", "poll_mentions"]
