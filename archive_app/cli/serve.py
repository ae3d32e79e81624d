"""``archive serve``: the server of ``make run`` without building the frontend again.

``reflex run --env prod`` builds the frontend, then calls ``run_backend_prod(...,
mount_frontend_compiled_app=True)``: Granian serving the app and the built pages on one port.
The container builds the frontend once, at image build time (``reflex export --frontend-only``),
so its entrypoint calls that same last step directly. Granian runs in this process: SIGTERM
stops it gracefully (each worker's lifespan shutdown runs; see ``jobs/scheduler.py``).
"""

from __future__ import annotations

from pathlib import Path

BUILD_URL_FILE = Path(".web") / "archive-build-url"


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


def serve() -> None:
    from reflex.utils import exec as rx_exec
    from reflex_base import constants
    from reflex_base.config import get_config
    from reflex_base.environment import environment

    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    environment.REFLEX_SKIP_COMPILE.set(True)  # built already; workers only evaluate pages
    config = get_config()
    rx_exec.run_backend_prod(
        config.backend_host,
        int(config.backend_port or config.frontend_port or 3000),
        config.loglevel.subprocess_level(),  # type: ignore[no-untyped-call]
        mount_frontend_compiled_app=True,
    )
