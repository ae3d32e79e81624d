"""A local TikTok that speaks TikTok's wire formats (TIKTOK.md), for the demo and the tests.

The lead mounts ``simulator_mounts(...)`` at ``/_sim``; in production it returns nothing, so
``/_sim`` is a plain 404 there, and ``create_simulator_app`` refuses to build at all.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount

from archive_app.settings import Settings
from archive_app.simulator.business import PREFIX as BUSINESS_PREFIX
from archive_app.simulator.business import business_routes
from archive_app.simulator.control import ClockMoved, control_routes
from archive_app.simulator.login_kit import PREFIX as LOGIN_KIT_PREFIX
from archive_app.simulator.login_kit import login_kit_routes
from archive_app.simulator.media import media_control_routes, media_routes
from archive_app.simulator.pages import page_routes
from archive_app.simulator.seed import register_apps, seed_demo
from archive_app.simulator.state import App, SimClock, SimState
from archive_app.simulator.store import SyncMiddleware, attach_store

MOUNT_PATH = "/_sim"


def player_framers(settings: Settings) -> list[str]:
    """Who may frame the stand-in player: Archive's own pages (every loopback spelling too)."""
    return [settings.public_url, *settings.cors_allowed_origins]


def simulator_enabled(settings: Settings) -> bool:
    """Dev-only surface (DESIGN.md section 1): never in production."""
    return not settings.is_production


def create_simulator_app(
    *,
    settings: Settings,
    clock: SimClock,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
    on_clock_moved: ClockMoved | None = None,
) -> Starlette:
    """The simulator, with routes relative to its mount point.

    ``clock`` is the one the app reads too (``archive_app.clock.app_clock()``), so
    ``POST /control/clock`` moves both. ``webhook_transport`` lets tests receive webhooks
    without a network; by default they go to ``{public_url}/webhooks/tiktok``.
    ``on_clock_moved(delta)`` runs after ``POST /control/clock`` (the app keeps its demo
    sessions signed in: ``services/dev.carry_sessions_over``).

    The state lives in ``settings.data_dir`` (``store.py``): a restart, or another worker on
    the same data directory, finds the same accounts, grants and clock shift.
    """
    if not simulator_enabled(settings):
        raise RuntimeError("The TikTok simulator is never served in production mode")
    apps = [
        App(
            kind="tiktok_v1",
            client_key=settings.tiktok_v1_client_key,
            client_secret=settings.tiktok_v1_client_secret.get_secret_value(),
            redirect_uri=settings.tiktok_redirect_uri,
        ),
        App(
            kind="tiktok_v2",
            client_key=settings.tiktok_v2_client_key,
            client_secret=settings.tiktok_v2_client_secret.get_secret_value(),
            redirect_uri=settings.tiktok_redirect_uri,
        ),
    ]
    if settings.creator_login_kit_client_key not in {a.client_key for a in apps}:
        # A Login Kit app of its own for creators' approval pages (/r/<token>).
        apps.append(
            App(
                kind="creator_login",
                client_key=settings.creator_login_kit_client_key,
                client_secret=settings.creator_login_kit_client_secret.get_secret_value(),
                redirect_uri=f"{settings.public_url}/r/login/callback",
            )
        )
    state = SimState(
        clock=clock,
        lifetimes=settings.simulator_lifetimes,
        qr_lifetime=timedelta(seconds=settings.simulator_qr_lifetime_seconds),
    )
    store = attach_store(state, settings.data_dir)
    register_apps(state, apps=apps)
    if settings.seed_demo:  # on in demo mode; pairs with the app's "Demo Brand" workspace
        seed_demo(state)
    timeout = settings.tiktok_timeout_seconds
    app = Starlette(
        routes=[
            Mount(LOGIN_KIT_PREFIX, routes=login_kit_routes(state, timeout_seconds=timeout)),
            Mount(BUSINESS_PREFIX, routes=business_routes(state, timeout_seconds=timeout)),
            *page_routes(state),
            *media_routes(state, frame_ancestors=player_framers(settings)),
            *media_control_routes(state),
            *control_routes(
                state,
                webhook_url=f"{settings.public_url}/webhooks/tiktok",
                webhook_transport=webhook_transport,
                on_clock_moved=on_clock_moved,
            ),
        ],
        middleware=[Middleware(SyncMiddleware, lock=store)],
    )
    app.state.sim = state
    return app


def simulator_mounts(settings: Settings, *, clock: SimClock) -> list[Mount]:
    """What the app adds to its routes: the simulator at ``/_sim``, or nothing in production."""
    if not simulator_enabled(settings):
        return []
    return [Mount(MOUNT_PATH, app=create_simulator_app(settings=settings, clock=clock))]


__all__ = [
    "MOUNT_PATH",
    "SimState",
    "create_simulator_app",
    "simulator_enabled",
    "simulator_mounts",
]
