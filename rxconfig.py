"""Reflex configuration: everything comes from archive_app.settings (env prefix ARCHIVE_)."""

import socket

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from archive_app.settings import get_settings

_settings = get_settings()


def _listen_host() -> str:
    """Where the server listens. ARCHIVE_HOST wins. Otherwise:

    - demo and test: loopback only ("127.0.0.1"), so /dev/mail and the simulator's control
      API never reach the LAN; http://localhost:3000 and http://127.0.0.1:3000 both work
      (browsers try 127.0.0.1 for localhost). Set ARCHIVE_HOST=0.0.0.0 to open it up.
    - production (a container behind a proxy): every address, IPv6 too where the machine
      has it ("::" also takes IPv4, dual stack); without IPv6, IPv4 only.
    """
    if _settings.host:
        return _settings.host
    if not _settings.is_production:
        return "127.0.0.1"
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            probe.bind(("::", 0))
    except OSError:
        return "0.0.0.0"  # noqa: S104 (a server's job is to listen)
    return "::"


config = rx.Config(
    app_name="archive_app",
    db_url=_settings.database_url,
    redis_url=_settings.redis_url or None,
    frontend_port=_settings.port,
    backend_port=_settings.port,
    backend_host=_listen_host(),
    deploy_url=_settings.public_url,
    # The page opens its socket here. A localhost URL is rewritten by the browser to the
    # page's own host (Reflex's state.js), so the demo works at 127.0.0.1 and [::1] too.
    api_url=_settings.public_url,
    cors_allowed_origins=_settings.cors_allowed_origins,
    show_built_with_reflex=False,
    telemetry_enabled=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="iris", radius="medium")),
        rx.plugins.TailwindV4Plugin(),
    ],
    disable_plugins=[SitemapPlugin],
)
