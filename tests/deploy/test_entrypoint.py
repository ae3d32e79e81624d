"""deploy/entrypoint.sh as the image runs it: migrate, then serve; SIGTERM ends it gracefully."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlmodel import Session, select

from archive_app.db import make_engine
from archive_app.mail.disconnection import disconnection_message
from archive_app.models.notifications import OutboxEmail, OutboxStatus
from archive_app.services import outbox
from tests.conftest import temporary_postgres_database
from tests.deploy.conftest import HOST, entrypoint, production_env
from tests.ports import free_port


def _check_serving(url: str, port: str) -> None:
    health = httpx.get(f"{url}/_health", timeout=5)
    assert health.status_code == 200 and health.json()["database"] == "ok"
    page = httpx.get(
        f"{url}/login/", headers={"host": f"{HOST}:{port}", "accept": "text/html"}, timeout=5
    )
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert httpx.get(f"{url}/_sim/control/state", timeout=5).status_code == 404  # production


def _assert_exec_and_graceful_stop(started) -> None:
    # `exec`: the entrypoint's process is now the server, not a shell waiting for it
    cmdline = Path(f"/proc/{started.proc.pid}/cmdline").read_bytes().split(b"\0")
    assert b"serve" in cmdline and not any(part.endswith(b"entrypoint.sh") for part in cmdline)
    began = time.monotonic()
    assert started.terminate(timeout=60) == 0
    assert time.monotonic() - began < 45
    assert "archive_app.jobs.scheduler: scheduler stopped" in started.log()  # lifespan ran


def test_the_entrypoint_migrates_sqlite_serves_and_stops_on_sigterm(
    built_frontend, tmp_path, ports
):
    port, smtp = ports
    env = production_env(tmp_path / "data", port, smtp)
    with entrypoint(env, tmp_path / "app.log") as started:
        _check_serving(started.url, str(port))
        engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'archive.db'}")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        engine.dispose()
        _assert_exec_and_graceful_stop(started)
    assert "production mode refuses" not in started.log()


def test_the_entrypoint_migrates_postgresql_serves_and_stops_on_sigterm(
    built_frontend, tmp_path, ports
):
    port, smtp = ports
    with temporary_postgres_database() as url:
        env = production_env(tmp_path / "data", port, smtp, ARCHIVE_DATABASE_URL=url)
        with entrypoint(env, tmp_path / "app.log") as started:
            _check_serving(started.url, str(port))
            engine = make_engine(url)
            with engine.connect() as conn:
                assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            engine.dispose()
            _assert_exec_and_graceful_stop(started)


def test_the_entrypoint_waits_for_the_database_then_gives_up_saying_why(tmp_path, ports):
    port, smtp = ports
    nobody = f"postgresql://archive@127.0.0.1:{free_port()}/archive"
    env = production_env(
        tmp_path / "data",
        port,
        smtp,
        ARCHIVE_DATABASE_URL=nobody,
        ARCHIVE_MIGRATE_TRIES="2",
        ARCHIVE_MIGRATE_WAIT="0",
    )
    with entrypoint(env, tmp_path / "app.log", ready=False) as started:
        assert started.proc.wait(timeout=120) == 1
    log = started.log()
    assert log.count("database not reachable yet; retrying every 0s, 2 attempts in all") == 1
    assert log.count("database not reachable after 2 attempts; is ARCHIVE_DATABASE_URL right") == 1
    assert log.count("Connection refused") == 1 and "Traceback" not in log  # the last error only


def test_a_refused_production_config_stops_the_entrypoint_naming_the_problem(tmp_path, ports):
    port, smtp = ports
    env = production_env(tmp_path / "data", port, smtp, ARCHIVE_TIKTOK_V2_CLIENT_SECRET="changeme")
    with entrypoint(env, tmp_path / "app.log", ready=False) as started:
        assert started.proc.wait(timeout=120) != 0
    log = started.log()
    assert "ARCHIVE_TIKTOK_V2_CLIENT_SECRET is not set or is a placeholder" in log
    assert "live-v1-secret-value" not in log


class SlowSmtp:
    """A real SMTP server that takes a while over each mail and remembers every recipient."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.received: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        await asyncio.sleep(self.seconds)
        with self.lock:
            self.received.extend(envelope.rcpt_tos)
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.received)


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_restart_in_the_middle_of_a_disconnection_batch_sends_the_rest_and_nothing_twice(
    built_frontend, tmp_path
):
    smtp = SlowSmtp(seconds=1.0)
    controller = Controller(smtp, hostname="127.0.0.1", port=free_port())
    controller.start()
    data = tmp_path / "data"
    port = free_port()
    env = production_env(data, port, controller.port)
    members = [f"member{i}@brand.example" for i in range(8)]
    try:
        with entrypoint(env, tmp_path / "first.log") as first:
            # The batch a disconnection makes: one alert per member, due now.
            engine = make_engine(f"sqlite:///{data / 'archive.db'}")
            from archive_app.clock import app_clock

            with Session(engine) as session:
                for address in members:
                    outbox.enqueue(
                        session,
                        message=disconnection_message(
                            to=address,
                            workspace_name="Brand",
                            source_handle="brand",
                            source_kind_name="TikTok Account v.2",
                            reason="Access was revoked in the TikTok app",
                            reconnect_url=f"http://{HOST}:{port}/settings/sources?reconnect=1",
                            help_url="https://help.archive.local/connecting-tiktok",
                        ),
                        dedupe_key=f"disconnected:1:1:{address}",
                        now=app_clock().now(),
                        workspace_id=1,
                    )
                session.commit()
            _wait(lambda: smtp.count() >= 2, 60, "the first two alerts")
            assert first.terminate(timeout=60) == 0  # mid-batch: a mail is on the wire now
        with Session(engine) as session:
            rows = session.exec(select(OutboxEmail)).all()
        by_status = {s: [r.to_address for r in rows if r.status == s] for s in OutboxStatus}
        assert by_status[OutboxStatus.sending] == []  # the mail on the wire was finished
        assert sorted(by_status[OutboxStatus.sent]) == sorted(smtp.received)
        assert 2 <= len(by_status[OutboxStatus.sent]) < len(members)  # really interrupted
        assert "shutdown: waiting for" in first.log()

        with entrypoint(env, tmp_path / "second.log"):
            _wait(lambda: smtp.count() >= len(members), 60, "the rest of the batch")
            time.sleep(6)  # a further drain tick: it must find nothing to send
        assert sorted(smtp.received) == sorted(members)  # each once: the rest, not again
        with Session(engine) as session:
            statuses = {r.status for r in session.exec(select(OutboxEmail)).all()}
        assert statuses == {OutboxStatus.sent}
        engine.dispose()
    finally:
        controller.stop()
