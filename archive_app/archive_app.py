"""Builds the Reflex app: pages, our Starlette routes (auth, webhooks, dev, simulator), lifespan.

Kept thin: each feature's pages, states and routes live in their own modules.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from typing import Any

import reflex as rx
from sqlalchemy.exc import IntegrityError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount

from archive_app import deps as app_deps
from archive_app import dispatch, live, logs, paths
from archive_app.api.auth import auth_routes
from archive_app.api.dev import dev_routes
from archive_app.api.health import health_routes
from archive_app.api.media import media_routes
from archive_app.api.oauth import oauth_routes
from archive_app.api.origins import wrong_origin_guard
from archive_app.api.portal import portal_routes
from archive_app.api.webhooks import webhook_routes
from archive_app.cli import serve
from archive_app.integrations.tiktok.creator_login import creator_login_for
from archive_app.integrations.tiktok.webhooks import TikTokEvent
from archive_app.jobs import tiktok_events
from archive_app.jobs.runs import run_job_now
from archive_app.jobs.scheduler import run_scheduler
from archive_app.live.reflex_internals import static_build_dir
from archive_app.mail.sink import mail_sink_lifespan
from archive_app.pages.creators import creator, creators
from archive_app.pages.email_change import email_confirm
from archive_app.pages.feed import feed
from archive_app.pages.invite import invite
from archive_app.pages.login import login, signup
from archive_app.pages.password_reset import forgot, reset
from archive_app.pages.profile import profile
from archive_app.pages.rights import rights
from archive_app.pages.rights_proof import rights_proof
from archive_app.pages.sources import sources
from archive_app.pages.team import team
from archive_app.services import admin, demo
from archive_app.services import dev as dev_service
from archive_app.settings import get_settings
from archive_app.simulator import create_simulator_app
from archive_app.states.args import on_handler_error
from archive_app.states.base import AppState, PublicState
from archive_app.states.creators import CreatorsState, CreatorState
from archive_app.states.email_change import EmailConfirmState
from archive_app.states.feed import FeedState
from archive_app.states.invite import InviteState
from archive_app.states.password_reset import ForgotState, ResetState
from archive_app.states.profile import ProfileState
from archive_app.states.rights import RightsState
from archive_app.states.rights_proof import RightsProofState
from archive_app.states.sources import SourcesState
from archive_app.states.team import TeamState
from archive_app.web.database_down import DatabaseDown
from archive_app.web.rate_limits import RateLimits, rate_limit_middleware
from archive_app.web.rate_limits import install as install_rate_limits
from archive_app.web.security_headers import security_headers

settings = get_settings()
logs.configure(settings)
# The outside world, built once: routes and jobs get it as an argument, States through
# ``deps.current()`` (DESIGN.md section 2).
deps = app_deps.install(app_deps.build_deps(settings))
# Per-address limits on the account forms (memory, or Redis shared by every replica).
rate_limits = install_rate_limits(
    RateLimits(settings.redis_url, exempt_loopback=not settings.is_production)
)


async def _on_webhook(event: TikTokEvent) -> None:
    await tiktok_events.handle(event, deps)


async def _run_job(name: str) -> dict[str, Any]:
    return await run_job_now(name, deps)


def _routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = [
        *health_routes(deps),
        *auth_routes(deps),
        *media_routes(deps),
        *oauth_routes(deps),
        *webhook_routes(deps, on_event=_on_webhook),
        # The creator's page (/r/<token>) and its Login Kit web flow.
        *portal_routes(deps, limits=rate_limits, creator_login=creator_login_for(settings)),
    ]
    if settings.dev_routes_enabled:
        routes += dev_routes(deps, run_job=_run_job)
        simulator = create_simulator_app(
            settings=settings, clock=deps.clock, on_clock_moved=_carry_sessions
        )
        routes.append(Mount("/_sim", app=simulator))
    return routes


async def _carry_sessions(delta: timedelta) -> None:
    """The simulator moved the shared clock: the demo's sign-ins keep the time they had left."""
    await deps.db(lambda s: dev_service.carry_sessions_over(s, delta=delta))


@asynccontextmanager
async def _seed(_app: Any = None) -> AsyncIterator[None]:
    if settings.seed_demo:
        # Every worker runs this: another one may seed the demo at the same moment.
        with suppress(IntegrityError):
            deps.db.sync(lambda s: demo.seed_demo(s, now=deps.clock.now()))
    yield


@asynccontextmanager
async def _ready(_app: Any = None) -> AsyncIterator[None]:
    """The ready line: registered last, so it follows Reflex's and the scheduler's own lines."""
    # One "ready" (and setup code) per server, not one per worker (cli/serve.py).
    if not serve.first_to_claim("ready", serve_id=os.environ.get(serve.SERVE_ID_VARIABLE)):
        yield
        return
    banner = f"Archive is ready at {settings.public_url}"
    if settings.seed_demo:
        banner += f"  (demo: log in as {demo.DEMO_OWNER} / {demo.DEMO_PASSWORD})"
    lines = [banner]
    if settings.is_production:
        # Only whoever reads this log can claim a fresh instance (services/admin.py).
        now = deps.clock.now()
        code = deps.db.sync(lambda s: admin.issue_setup_code(s, now=now))
        if code is not None:
            lines.append(
                f"Archive has no owner yet. Open {settings.public_url}/login and enter the "
                f"setup code {code}"
            )
    for line in lines:
        if settings.log_format == "json":
            logging.getLogger(__name__).info(line)  # every line of a JSON log is JSON
        else:
            print(line, flush=True)
    yield


@asynccontextmanager
async def _mail_sink(_app: Any = None) -> AsyncIterator[None]:
    async with mail_sink_lifespan(settings, engine=deps.engine):
        yield


@asynccontextmanager
async def _jobs(_app: Any = None) -> AsyncIterator[None]:
    # Every process: committed units of work hand their events to the one dispatcher.
    dispatch.install(deps)
    async with run_scheduler(deps) as leadership:
        if leadership is not None:  # its first contest decided: its lines come before ready
            with suppress(TimeoutError):
                await asyncio.wait_for(leadership.first_try_done.wait(), timeout=5)
        yield


app = rx.App(
    # Our routes first; then a page opened at an address we are not set up for says so.
    api_transformer=[
        # An unreachable database answers every route a 503 page, not a 500 traceback (inside
        # this Starlette: its error middleware would have sent the 500 before any outer one).
        Starlette(routes=_routes(), middleware=[Middleware(DatabaseDown)]),
        rate_limit_middleware(
            rate_limits,
            trusted_proxies=settings.trusted_proxies,
            signing_key=deps.cipher.signing_key,
            secure=settings.secure_cookies,
        ),
        wrong_origin_guard(settings),
        logs.RequestIds,
        # Outermost: every response gets them (pages and static files included: Reflex mounts
        # the built frontend inside the app these transforms wrap).
        security_headers(settings, build_dir=static_build_dir()),
    ],
    toaster=rx.toast.provider(position="top-right", close_button=True),
    backend_exception_handler=on_handler_error,
)
live.bind(app, tab_state=AppState)
live.on_topic(live.Topic.rights, RightsState.rights_changed)
live.on_topic(live.Topic.mentions, FeedState.mentions_changed)
live.on_topic(live.Topic.rights, FeedState.rights_changed)
app.register_lifespan_task(_seed)
app.register_lifespan_task(_mail_sink)
app.register_lifespan_task(_jobs)
app.register_lifespan_task(_ready)  # last: the last line printed at startup

app.add_page(login, route=paths.LOGIN, title="Log in · Archive", on_load=PublicState.load)
app.add_page(signup, route=paths.SIGNUP, title="Sign up · Archive", on_load=PublicState.load)
app.add_page(
    forgot, route=paths.FORGOT, title="Forgot password · Archive", on_load=ForgotState.load
)
app.add_page(
    reset,
    route=f"{paths.RESET}/[token]",
    title="Choose a new password · Archive",
    on_load=ResetState.load,
)
app.add_page(
    invite, route=f"{paths.INVITE}/[token]", title="Invitation · Archive", on_load=InviteState.load
)
app.add_page(
    email_confirm,
    route=f"{paths.EMAIL_CONFIRM}/[token]",
    title="Confirm your new email · Archive",
    on_load=EmailConfirmState.load,
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
    rights_proof,
    route=f"{paths.RIGHTS}/[request_id]/proof",
    title="Proof · Archive",
    on_load=[_guarded, RightsProofState.load],
)
app.add_page(
    sources,
    route=paths.SOURCES,
    title="Sources · Archive",
    on_load=[_guarded, SourcesState.load],
)
app.add_page(team, route=paths.TEAM, title="Team · Archive", on_load=[_guarded, TeamState.load])
app.add_page(
    profile, route=paths.PROFILE, title="Profile · Archive", on_load=[_guarded, ProfileState.load]
)
