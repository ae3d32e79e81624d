"""``archive serve``'s workers: ARCHIVE_WORKERS (default: the cores) with Redis, one without;
and one "Archive is ready" line per server, not one per worker."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from archive_app.cli.serve import first_to_claim, worker_count
from archive_app.settings import Mode, Settings
from tests.conftest import REDIS_URL  # ARCHIVE_REDIS_URL, which tests/conftest.py takes out
from tests.deploy.conftest import entrypoint, production_env


def _settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(_env_file=None, mode=Mode.test, data_dir=tmp_path, **values)


def test_without_redis_there_is_one_worker_whatever_archive_workers_says(tmp_path):
    assert worker_count(_settings(tmp_path, workers=4)) == 1


def test_with_redis_archive_workers_sets_the_number(tmp_path):
    assert worker_count(_settings(tmp_path, redis_url="redis://r:6379/0", workers=3)) == 3


def test_with_redis_the_default_is_the_cores_this_process_may_use(tmp_path):
    cores = len(os.sched_getaffinity(0))
    assert worker_count(_settings(tmp_path, redis_url="redis://r:6379/0")) == cores


def test_one_worker_of_a_serve_claims_the_ready_line_and_each_serve_has_its_own():
    first, second = uuid.uuid4().hex, uuid.uuid4().hex  # two server starts
    assert [first_to_claim("ready", serve_id=first) for _ in range(3)] == [True, False, False]
    assert first_to_claim("ready", serve_id=second) is True  # the next start prints again
    assert first_to_claim("ready-test", serve_id=None) is True  # not started by serve


def _children(pid: int) -> list[str]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found.append(Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode())
    return found


@pytest.mark.skipif(not REDIS_URL, reason="needs Redis (ARCHIVE_REDIS_URL, as .ci/run sets)")
def test_two_workers_with_redis_print_archive_is_ready_once(built_frontend, tmp_path, ports):
    port, smtp = ports
    env = production_env(
        tmp_path / "data", port, smtp, ARCHIVE_REDIS_URL=REDIS_URL, ARCHIVE_WORKERS="2"
    )
    with entrypoint(env, tmp_path / "app.log") as started:
        time.sleep(3)  # the second worker's lifespan has run too by now
        workers = [c for c in _children(started.proc.pid) if "archive serve" in c]
        assert len(workers) == 2, _children(started.proc.pid)
        log = started.log()
        assert log.count("Archive is ready at") == 1, log[-3000:]
        assert log.count("Archive has no owner yet") == 1
        assert started.terminate(timeout=60) == 0
