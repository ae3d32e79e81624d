"""``archive serve``: the server of ``make run`` without building the frontend again.

``reflex run --env prod`` builds the frontend, then calls ``run_backend_prod(...,
mount_frontend_compiled_app=True)``: Granian serving the app and the built pages on one port.
The container builds the frontend once, at image build time (``reflex export --frontend-only``),
so its entrypoint calls that same last step directly. Granian runs in this process: SIGTERM
stops it gracefully (each worker's lifespan shutdown runs; see ``jobs/scheduler.py``).

Workers: Reflex would start ``2 × cores + 1`` of them whenever Redis is set (5 on 2 cores, with
a warning); ``ARCHIVE_WORKERS`` (default: the cores this process may use) sets the number.
Each worker runs the app's lifespan, so the "Archive is ready" lines are claimed once per
``serve`` (``first_to_claim``) instead of printed by every worker.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

from archive_app.settings import Settings

BUILD_URL_FILE = Path(".web") / "archive-build-url"
# Set by ``serve`` for its workers (they inherit its environment): one id per server start.
SERVE_ID_VARIABLE = "ARCHIVE_SERVE_ID"


def worker_count(settings: Settings) -> int:
    """One worker without Redis (tab state lives in its memory); else ARCHIVE_WORKERS, or
    one per CPU core this process may run on (a container's cpuset, not the host's count)."""
    if not settings.redis_url:
        return 1
    if settings.workers > 0:
        return settings.workers
    return max(1, len(os.sched_getaffinity(0)))


def first_to_claim(what: str, *, serve_id: str | None) -> bool:
    """True in exactly one worker of a ``serve`` (the first to ask); True everywhere when not
    started by ``serve`` (``reflex run``) or when no temporary file can be made."""
    if not serve_id:
        return True
    claim = Path(tempfile.gettempdir()) / f"archive-{what}-{serve_id}"
    try:
        os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return False
    except OSError:
        return True  # a read-only /tmp: better a line per worker than none
    return True


def built_for() -> str:
    """The ARCHIVE_PUBLIC_URL the frontend was built with ('' when unknown)."""
    try:
        return BUILD_URL_FILE.read_text().strip()
    except OSError:
        return ""


def mismatch_warning(public_url: str, built_url: str) -> str | None:
    """Pages open their websocket at the build's host rewritten to the page's host, with the
    build's port (https: no port). So an http public URL on another port needs a rebuild."""
    from urllib.parse import urlsplit

    if not built_url or built_url == public_url:
        return None
    now, then = urlsplit(public_url), urlsplit(built_url)
    if now.scheme == "https" or now.port == then.port:
        return None
    return (
        f"the frontend was built for {built_url} but ARCHIVE_PUBLIC_URL is {public_url}: over "
        "plain http the pages will look for the server on the build's port. Rebuild the "
        f"image with --build-arg ARCHIVE_PUBLIC_URL={public_url}, or serve it over https."
    )


def serve(settings: Settings) -> None:
    from reflex.utils import exec as rx_exec
    from reflex_base import constants
    from reflex_base.config import get_config
    from reflex_base.environment import environment

    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    environment.REFLEX_SKIP_COMPILE.set(True)  # built already; workers only evaluate pages
    # Read by Reflex when it starts Granian; the workers inherit both variables.
    os.environ["GRANIAN_WORKERS"] = str(worker_count(settings))
    os.environ[SERVE_ID_VARIABLE] = uuid.uuid4().hex
    config = get_config()
    rx_exec.run_backend_prod(
        config.backend_host,
        int(config.backend_port or config.frontend_port or 3000),
        config.loglevel.subprocess_level(),  # type: ignore[no-untyped-call]
        mount_frontend_compiled_app=True,
    )
