"""Builds the Reflex app: pages, our Starlette routes (auth, webhooks, dev, simulator), lifespan.

Kept thin: each feature's pages, states and routes live in their own modules.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import reflex as rx
from sqlalchemy.exc import IntegrityError
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount

from archive_app import deps as app_deps
from archive_app import live, logs, paths
from archive_app.api.auth import auth_routes
from archive_app.api.dev import dev_routes
from archive_app.api.health import health_routes
from archive_app.api.mentions import on_mention_event
from archive_app.api.oauth import oauth_routes
from archive_app.api.origins import wrong_origin_guard
from archive_app.api.sources import on_tiktok_event
from archive_app.api.webhooks import webhook_routes
from archive_app.integrations.tiktok.webhooks import BrandMention, TikTokEvent
from archive_app.jobs.scheduler import kick, run_job_now, run_scheduler
from archive_app.jobs.tasks import DRAIN_OUTBOX
from archive_app.mail.sink import mail_sink_lifespan
from archive_app.pages.creators import creator, creators
from archive_app.pages.feed import feed
from archive_app.pages.invite import invite
from archive_app.pages.login import login, signup
from archive_app.pages.profile import profile
from archive_app.pages.rights import rights
from archive_app.pages.sources import sources
from archive_app.pages.team import team
from archive_app.services import demo
from archive_app.services.notifications import Links
from archive_app.settings import get_settings
from archive_app.simulator import create_simulator_app
from archive_app.states.args import on_handler_error
from archive_app.states.base import AppState, PublicState
from archive_app.states.creators import CreatorsState, CreatorState
from archive_app.states.feed import FeedState
from archive_app.states.invite import InviteState
from archive_app.states.rights import RightsState
from archive_app.states.sources import SourcesState
from archive_app.states.team import TeamState

settings = get_settings()
logs.configure(settings)
# The outside world, built once: routes and jobs get it as an argument, States through
# ``deps.current()`` (DESIGN.md section 2).
deps = app_deps.install(app_deps.build_deps(settings))


async def _on_webhook(event: TikTokEvent) -> None:
    if isinstance(event, BrandMention):
        await on_mention_event(event, deps=deps)
        return
    links = Links(base_url=settings.public_url, help_url=settings.help_url)
    if await on_tiktok_event(event, deps=deps, links=links):
        kick(DRAIN_OUTBOX)  # the alert emails go now, not at the next tick


async def _run_job(name: str) -> dict[str, Any]:
    return await run_job_now(name, deps)


def _routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = [
        *health_routes(deps),
        *auth_routes(deps),
        *oauth_routes(deps),
        *webhook_routes(deps, on_event=_on_webhook),
    ]
    if settings.dev_routes_enabled:
        routes += dev_routes(deps, run_job=_run_job)
        routes.append(Mount("/_sim", app=create_simulator_app(settings=settings, clock=deps.clock)))
    return routes


@asynccontextmanager
async def _ready(_app: Any = None) -> AsyncIterator[None]:
    if settings.seed_demo:
        # Every worker runs this: another one may seed the demo at the same moment.
        with suppress(IntegrityError):
            deps.db.sync(lambda s: demo.seed_demo(s, now=deps.clock.now()))
    banner = f"Archive is ready at {settings.public_url}"
    if settings.seed_demo:
        banner += f"  (demo: log in as {demo.DEMO_OWNER} / {demo.DEMO_PASSWORD})"
    if settings.log_format == "json":
        logging.getLogger(__name__).info(banner)  # every line of a JSON log is JSON
    else:
        print(banner, flush=True)
    yield


@asynccontextmanager
async def _mail_sink(_app: Any = None) -> AsyncIterator[None]:
    async with mail_sink_lifespan(settings, engine=deps.engine):
        yield


@asynccontextmanager
async def _jobs(_app: Any = None) -> AsyncIterator[None]:
    async with run_scheduler(deps):
        yield


app = rx.App(
    # Our routes first; then a page opened at an address we are not set up for says so.
    api_transformer=[Starlette(routes=_routes()), wrong_origin_guard(settings), logs.RequestIds],
    toaster=rx.toast.provider(position="top-right", close_button=True),
    backend_exception_handler=on_handler_error,
)
live.bind(app, tab_state=AppState)
live.on_topic(live.Topic.rights, RightsState.rights_changed)
live.on_topic(live.Topic.mentions, FeedState.mentions_changed)
live.on_topic(live.Topic.rights, FeedState.rights_changed)
app.register_lifespan_task(_ready)
app.register_lifespan_task(_mail_sink)
app.register_lifespan_task(_jobs)

app.add_page(login, route=paths.LOGIN, title="Log in · Archive", on_load=PublicState.load)
app.add_page(signup, route=paths.SIGNUP, title="Sign up · Archive", on_load=PublicState.load)
app.add_page(
    invite, route=f"{paths.INVITE}/[token]", title="Invitation · Archive", on_load=InviteState.load
)
_guarded = AppState.guard
app.add_page(feed, route=paths.FEED, title="Feed · Archive", on_load=[_guarded, FeedState.load])
app.add_page(feed, route="/", title="Feed · Archive", on_load=[_guarded, FeedState.load])
app.add_page(
    creators,
    route=paths.CREATORS,
    title="Social Profiles · Archive",
    on_load=[_guarded, CreatorsState.load],
)
app.add_page(
    creator,
    route=f"{paths.CREATORS}/[handle]",
    title="Creator · Archive",
    on_load=[_guarded, CreatorState.load, FeedState.load],
)
app.add_page(
    rights,
    route=paths.RIGHTS,
    title="Manage Rights · Archive",
    on_load=[_guarded, RightsState.load],
)
app.add_page(
    sources,
    route=paths.SOURCES,
    title="Sources · Archive",
    on_load=[_guarded, SourcesState.load],
)
app.add_page(team, route=paths.TEAM, title="Team · Archive", on_load=[_guarded, TeamState.load])
app.add_page(profile, route=paths.PROFILE, title="Profile · Archive", on_load=[_guarded])
