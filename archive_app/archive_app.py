"""Builds the Reflex app: pages, our Starlette routes (auth, webhooks, dev, simulator), lifespan.

Kept thin: each feature's pages, states and routes live in their own modules.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import reflex as rx
from sqlalchemy.exc import IntegrityError
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount

from archive_app import live
from archive_app.api.auth import auth_routes
from archive_app.api.dev import dev_routes
from archive_app.api.oauth import oauth_routes
from archive_app.api.sources import on_tiktok_event
from archive_app.api.webhooks import webhook_routes
from archive_app.clock import app_clock
from archive_app.db import get_engine, session_scope
from archive_app.integrations.tiktok.webhooks import TikTokEvent
from archive_app.jobs.scheduler import kick, run_job_now, scheduler_lifespan
from archive_app.mail.sink import mail_sink_lifespan
from archive_app.pages.feed import feed
from archive_app.pages.invite import invite
from archive_app.pages.login import login, signup
from archive_app.pages.profile import profile
from archive_app.pages.rights import rights
from archive_app.pages.sources import sources
from archive_app.pages.team import team
from archive_app.services import workspaces as workspace_service
from archive_app.services.notifications import Links
from archive_app.settings import get_settings
from archive_app.simulator import create_simulator_app
from archive_app.states.args import on_handler_error
from archive_app.states.base import AppState, PublicState
from archive_app.states.invite import InviteState
from archive_app.states.sources import SourcesState
from archive_app.states.team import TeamState

settings = get_settings()


async def _on_webhook(event: TikTokEvent) -> None:
    links = Links(base_url=settings.public_url, help_url=settings.help_url)
    if await on_tiktok_event(event, clock=app_clock(), links=links):
        kick("drain_outbox")  # the alert emails go now, not at the next tick


def _routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = [
        *auth_routes(settings=settings, engine=get_engine, clock=app_clock()),
        *oauth_routes(clock=app_clock(), secure=settings.secure_cookies),
        *webhook_routes(settings=settings, engine_factory=get_engine, on_event=_on_webhook),
    ]
    if settings.dev_routes_enabled:
        routes += dev_routes(settings, run_job=run_job_now)
        routes.append(
            Mount("/_sim", app=create_simulator_app(settings=settings, clock=app_clock()))
        )
    return routes


@asynccontextmanager
async def _ready(_app: Any = None) -> AsyncIterator[None]:
    if settings.seed_demo:
        try:
            with session_scope() as session:
                workspace_service.seed_demo(session, now=app_clock().now())
        except IntegrityError:
            pass  # every worker runs this: another one seeded the demo at the same moment
    banner = f"Archive is ready at {settings.public_url}"
    if settings.seed_demo:
        banner += (
            f"  (demo: log in as {workspace_service.DEMO_OWNER} / "
            f"{workspace_service.DEMO_PASSWORD})"
        )
    print(banner, flush=True)
    yield


app = rx.App(
    api_transformer=Starlette(routes=_routes()),
    toaster=rx.toast.provider(position="top-right", close_button=True),
    backend_exception_handler=on_handler_error,
)
live.bind(app, tab_state=AppState)
app.register_lifespan_task(_ready)
app.register_lifespan_task(mail_sink_lifespan)
app.register_lifespan_task(scheduler_lifespan)

app.add_page(login, route="/login", title="Log in · Archive", on_load=PublicState.load)
app.add_page(signup, route="/signup", title="Sign up · Archive", on_load=PublicState.load)
app.add_page(
    invite, route="/invite/[token]", title="Invitation · Archive", on_load=InviteState.load
)
_guarded = AppState.guard
app.add_page(feed, route="/feed", title="Feed · Archive", on_load=_guarded)
app.add_page(feed, route="/", title="Feed · Archive", on_load=_guarded)
app.add_page(rights, route="/rights", title="Manage Rights · Archive", on_load=_guarded)
app.add_page(
    sources,
    route="/settings/sources",
    title="Sources · Archive",
    on_load=[_guarded, SourcesState.load],
)
app.add_page(
    team, route="/settings/team", title="Team · Archive", on_load=[_guarded, TeamState.load]
)
app.add_page(profile, route="/settings/profile", title="Profile · Archive", on_load=[_guarded])
