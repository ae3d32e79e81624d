"""Reflex configuration: everything comes from archive_app.settings (env prefix ARCHIVE_)."""

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from archive_app.settings import get_settings

_settings = get_settings()

config = rx.Config(
    app_name="archive_app",
    db_url=_settings.database_url,
    redis_url=_settings.redis_url or None,
    frontend_port=_settings.port,
    backend_port=_settings.port,
    deploy_url=_settings.public_url,
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
