"""The ``archive`` command against a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from sqlalchemy import Engine

from archive_app.cli import main
from archive_app.clock import app_clock
from archive_app.db import session_scope
from archive_app.jobs.tasks import JOBS
from archive_app.services import auth
from archive_app.services.errors import InvalidInput
from archive_app.settings import Mode, Settings
from tests import factories
from tests.ports import free_port
from tests.production_settings import FERNET_KEY

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(engine: Engine, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        mode=Mode.test,
        data_dir=tmp_path,
        database_url=engine.url.render_as_string(hide_password=False),
    )


def run(settings: Settings, *argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), settings=settings, stdin=io.StringIO(stdin), out=out)
    return code, out.getvalue()


def test_create_user_makes_an_owner_who_can_log_in(settings, engine, session):
    code, out = run(
        settings,
        "create-user",
        "--email",
        " Boss@Brand.com ",
        "--workspace",
        "Brand",
        "--password-stdin",
        stdin="boss-pass-1\n",
    )
    assert code == 0, out
    assert "Created boss@brand.com, owner of the workspace 'Brand'" in out
    signed_in = factories.log_in(
        session, email="boss@brand.com", password="boss-pass-1", at=app_clock().now()
    )
    with session_scope(engine) as s:
        viewer = auth.require_viewer(s, token=signed_in.session_token, now=app_clock().now())
    assert viewer.is_owner and viewer.workspace_name == "Brand"
    assert "boss-pass-1" not in out


def test_create_user_refuses_a_taken_address_and_a_short_password(settings):
    args = ["create-user", "--email", "a@brand.com", "--workspace", "B", "--password-stdin"]
    assert run(settings, *args, stdin="long-enough-1\n")[0] == 0
    code, out = run(settings, *args, stdin="long-enough-2\n")
    assert code == 1 and "already exists" in out
    code, out = run(
        settings,
        "create-user",
        "--email",
        "b@brand.com",
        "--workspace",
        "B",
        "--password-stdin",
        stdin="short\n",
    )
    assert code == 1 and "at least 8 characters" in out


def test_reset_password_changes_it_and_ends_every_session(settings, engine, session):
    run(
        settings,
        *["create-user", "--email", "a@brand.com", "--workspace", "B", "--password-stdin"],
        stdin="old-pass-123\n",
    )
    old = factories.log_in(
        session, email="a@brand.com", password="old-pass-123", at=app_clock().now()
    )
    code, out = run(
        settings,
        *["reset-password", "--email", "a@brand.com", "--password-stdin"],
        stdin="new-pass-456\n",
    )
    assert code == 0 and "1 session(s) of that person ended" in out
    with session_scope(engine) as s:
        assert auth.current_viewer(s, token=old.session_token, now=app_clock().now()) is None
    factories.log_in(session, email="a@brand.com", password="new-pass-456", at=app_clock().now())
    with pytest.raises(InvalidInput):
        factories.log_in(
            session, email="a@brand.com", password="old-pass-123", at=app_clock().now()
        )


def test_reset_password_of_nobody_says_so(settings):
    code, out = run(
        settings, "reset-password", "--email", "ghost@brand.com", "--password-stdin", stdin="x" * 9
    )
    assert code == 1 and "No account has that email." in out


def test_run_job_runs_a_row_of_the_jobs_table_and_prints_its_result(settings):
    code, out = run(settings, "run-job", "drain_outbox")
    answer = json.loads(out)
    assert code == 0 and answer["ok"] is True and answer["job"] == "drain_outbox"
    assert answer["result"] == {"sent": 0, "failed": 0, "retrying": 0, "unknown": 0}


def test_run_job_with_an_unknown_name_lists_every_job_of_the_table(settings):
    code, out = run(settings, "run-job", "no_such_job")
    assert code == 2 and "no job is called 'no_such_job'" in out
    for job in JOBS:
        assert job.name in out


def _production_env(monkeypatch, tmp_path, **extra: str) -> None:
    values = {
        "ARCHIVE_DATA_DIR": str(tmp_path),
        "ARCHIVE_PUBLIC_URL": "https://archive.brand.example",
        "ARCHIVE_ENCRYPTION_KEY": FERNET_KEY,
        "ARCHIVE_TIKTOK_V1_CLIENT_KEY": "k1-live",
        "ARCHIVE_TIKTOK_V1_CLIENT_SECRET": "s1-live-secret",
        "ARCHIVE_TIKTOK_V2_CLIENT_KEY": "k2-live",
        "ARCHIVE_TIKTOK_V2_CLIENT_SECRET": "s2-live-secret",
        "ARCHIVE_SMTP_HOST": "smtp.brand.example",
        "ARCHIVE_MAIL_FROM": "Archive <archive@brand.example>",
        **extra,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's


def test_check_config_passes_a_complete_production_environment(monkeypatch, tmp_path):
    _production_env(monkeypatch, tmp_path)
    out = io.StringIO()
    assert main(["check-config"], out=out) == 0
    assert "production mode would start" in out.getvalue()


def test_check_config_names_every_problem_without_echoing_secrets(monkeypatch, tmp_path):
    _production_env(
        monkeypatch,
        tmp_path,
        ARCHIVE_TIKTOK_V2_CLIENT_SECRET="changeme",
        ARCHIVE_CORS_ALLOWED_ORIGINS='["*"]',
    )
    monkeypatch.delenv("ARCHIVE_SMTP_HOST")
    out = io.StringIO()
    assert main(["check-config"], out=out) == 1
    text = out.getvalue()
    for name in (
        "ARCHIVE_TIKTOK_V2_CLIENT_SECRET",
        "ARCHIVE_CORS_ALLOWED_ORIGINS",
        "ARCHIVE_SMTP_HOST",
    ):
        assert name in text
    assert "s1-live-secret" not in text and FERNET_KEY not in text


def test_check_config_lists_every_problem_with_the_same_indent(monkeypatch, tmp_path):
    _production_env(monkeypatch, tmp_path, ARCHIVE_TIKTOK_V2_CLIENT_SECRET="changeme")
    monkeypatch.delenv("ARCHIVE_SMTP_HOST")
    monkeypatch.delenv("ARCHIVE_MAIL_FROM")
    out = io.StringIO()
    assert main(["check-config"], out=out) == 1
    heading, *lines = out.getvalue().splitlines()
    assert heading == "Production mode would refuse to start:"
    assert len(lines) == 3 and all(line.startswith("  - ARCHIVE_") for line in lines), lines
    assert [line.split()[1] for line in lines] == [
        "ARCHIVE_TIKTOK_V2_CLIENT_SECRET",
        "ARCHIVE_SMTP_HOST",
        "ARCHIVE_MAIL_FROM",
    ]


def test_send_test_mail_reaches_the_smtp_server(tmp_path):
    received: list[str] = []

    class Keep(Sink):
        async def handle_DATA(self, server, session, envelope):
            received.extend(envelope.rcpt_tos)
            return "250 OK"

    controller = Controller(Keep(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings = Settings(
            _env_file=None,
            mode=Mode.test,
            data_dir=tmp_path,
            smtp_host="127.0.0.1",
            smtp_port=controller.port,
        )
        code, out = run(settings, "send-test-mail", "--to", "ops@brand.com")
    finally:
        controller.stop()
    assert code == 0 and "Sent a test mail to ops@brand.com" in out
    assert received == ["ops@brand.com"]


def test_send_test_mail_says_why_when_no_server_answers(tmp_path):
    settings = Settings(
        _env_file=None,
        mode=Mode.test,
        data_dir=tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
    )
    code, out = run(settings, "send-test-mail", "--to", "ops@brand.com")
    assert code == 1 and "the mail was not sent" in out and f"127.0.0.1:{settings.smtp_port}" in out


def test_the_console_script_and_python_m_are_the_same_command():
    bin_dir = Path(sys.executable).parent
    script = subprocess.run(
        [str(bin_dir / "archive"), "--help"], capture_output=True, text=True, check=True
    )
    module = subprocess.run(
        [sys.executable, "-m", "archive_app", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert script.stdout == module.stdout
    for command in ("create-user", "reset-password", "run-job", "check-config", "send-test-mail"):
        assert command in script.stdout


def test_check_config_as_configured_judges_the_settings_in_their_own_mode(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARCHIVE_MODE", "test")
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(tmp_path))
    out = io.StringIO()
    assert main(["check-config", "--as-configured"], out=out) == 0
    assert "complete for test mode" in out.getvalue()
    monkeypatch.setenv("ARCHIVE_MODE", "production")
    out = io.StringIO()
    assert main(["check-config", "--as-configured"], out=out) == 1
    assert "ARCHIVE_ENCRYPTION_KEY is not set" in out.getvalue()


@pytest.mark.parametrize(
    ("public", "built", "warns"),
    [
        ("https://archive.example.com", "http://localhost:3000", False),  # https: no port
        ("http://archive.lan:3000", "http://localhost:3000", False),  # same port, other host
        ("http://archive.lan:8080", "http://localhost:3000", True),
        ("http://localhost:3000", "", False),  # unknown build: nothing to compare
    ],
)
def test_serve_warns_when_the_built_pages_would_look_on_another_port(public, built, warns):
    from archive_app.cli.serve import mismatch_warning

    warning = mismatch_warning(public, built)
    assert (warning is not None) == warns
    if warns:
        assert f"--build-arg ARCHIVE_PUBLIC_URL={public}" in warning
