"""What may reach the image, read from .dockerignore and the Dockerfile (no build needed).

``make image-test`` checks the built image itself (tests/deploy/test_image.py); these catch a
rule broken on any machine, in a second: every ``.env`` kept out of the build context (compose's
``deploy/.env`` held a live SMTP password in an image once), only the entrypoint copied from
``deploy/``, the code not owned by the server's user, no Node.js or npm in the build.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _rules() -> list[tuple[bool, re.Pattern[str]]]:
    """.dockerignore as Docker reads it: ``**`` any folders, ``*`` within one, ``!`` keeps."""
    rules = []
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keep = line.startswith("!")
        pattern = line.removeprefix("!").strip("/")
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        rules.append((keep, re.compile(regex + r"\Z")))
    return rules


def in_context(path: str) -> bool:
    """Whether ``path`` is sent to the build (a folder left out leaves out all it holds)."""
    parts = path.split("/")
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        excluded = False
        for keep, rule in _rules():
            if rule.match(prefix):
                excluded = not keep
        if excluded:
            return False
    return True


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        "deploy/.env",
        "archive_app/.env",
        "deploy/.env.production",
        "deploy/prod.env",
        "data/archive.db",
        "data/encryption.key",
        "deploy/tls.key",
        "deploy/cert.pem",
        "tests/deploy/test_image.py",
        ".git/config",
        "archive_app/__pycache__/x.pyc",
    ],
)
def test_secrets_and_what_the_image_does_not_run_stay_out_of_the_build_context(path):
    assert not in_context(path)


@pytest.mark.parametrize(
    "path",
    [
        "deploy/env.example",
        "deploy/entrypoint.sh",
        "deploy/fetch_bun.py",
        "archive_app/archive_app.py",
        "alembic/env.py",
        "pyproject.toml",
        "rxconfig.py",
    ],
)
def test_what_the_build_needs_is_in_the_build_context(path):
    assert in_context(path)


def _copies() -> list[str]:
    return [line for line in DOCKERFILE.splitlines() if line.startswith("COPY ")]


def test_only_the_entrypoint_and_the_bun_fetcher_are_copied_from_deploy():
    sources = [word for line in _copies() for word in line.split()[1:-1]]
    from_deploy = sorted(s for s in sources if s.startswith("deploy"))
    assert from_deploy == ["deploy/entrypoint.sh", "deploy/fetch_bun.py"]
    assert "COPY deploy/fetch_bun.py /tmp/fetch_bun.py" in DOCKERFILE  # build stage, not /app


def test_the_code_is_copied_without_giving_it_to_the_server_user():
    assert not [line for line in _copies() if "--chown" in line]
    assert "chown archive:archive /data" in DOCKERFILE  # /data alone is the server's
    assert "USER archive" in DOCKERFILE


def test_the_build_installs_neither_nodejs_nor_npm():
    installs = [line for line in DOCKERFILE.splitlines() if "apt-get install" in line]
    assert installs and not any(re.search(r"\b(nodejs|npm)\b", line) for line in installs)
    assert "npm install" not in DOCKERFILE
