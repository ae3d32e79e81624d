"""The signed-in viewer, re-checked on every page load and every mutating event.

Events can be sent over the websocket by anyone, so no handler trusts a var for identity: each
one resolves the viewer again from the HttpOnly session cookie (captured with the socket's
headers) before calling a service.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import reflex as rx

from archive_app import live
from archive_app.api.auth import read_session_cookie
from archive_app.api.deps import run_db
from archive_app.clock import app_clock
from archive_app.services import auth as auth_service
from archive_app.services import workspaces as workspace_service
from archive_app.services.auth import Viewer
from archive_app.services.errors import NotAllowed
from archive_app.settings import get_settings


class AppState(rx.State):
    """Shell vars shared by every signed-in page."""

    signed_in: bool = False
    user_id: int = 0
    email: str = ""
    workspace_id: int = 0
    workspace_name: str = ""
    is_owner: bool = False
    # Disconnection pop-ups this tab has closed ("<source id>:<episode id>").
    dismissed_alerts: list[str] = []

    async def viewer(self) -> Viewer:
        """The signed-in viewer, from the cookie; raises NotAllowed when the session ended."""
        token = read_session_cookie(self.router.headers.cookie)
        now = app_clock().now()
        return await run_db(lambda s: auth_service.require_viewer(s, token=token, now=now))

    def _show(self, viewer: Viewer) -> None:
        self.signed_in = True
        self.user_id = viewer.user_id
        self.email = viewer.email
        self.workspace_id = viewer.workspace_id
        self.workspace_name = viewer.workspace_name
        self.is_owner = viewer.is_owner

    def _forget(self) -> None:
        self.signed_in = False
        self.user_id = self.workspace_id = 0
        self.email = self.workspace_name = ""
        self.is_owner = False

    @rx.event
    async def guard(self) -> Any:
        """on_load of every signed-in page: send strangers to /login, link the workspace."""
        try:
            viewer = await self.viewer()
        except NotAllowed:
            self._forget()
            path = self.router.url.path.rstrip("/") or "/"
            query = self.router.url.query
            target = f"{path}?{query}" if query else path
            return rx.redirect("/login?" + urlencode({"next": target}))
        self._show(viewer)
        shared = await self.get_state(live.WorkspaceLive)
        linked = await shared._link_to(live.link_token(viewer.workspace_id))
        count = await run_db(
            lambda s: len(workspace_service.member_emails(s, workspace_id=viewer.workspace_id))
        )
        if linked.member_count != count:
            linked.member_count = count
        # Sources and their alerts, so a disconnection pop-up shows on whatever page is open.
        linked.show_sources(
            await live.load_source_views(
                workspace_id=viewer.workspace_id, user_id=viewer.user_id, now=app_clock().now()
            )
        )
        return None

    @rx.event
    def dismiss_alert(self, key: str) -> None:
        if key not in self.dismissed_alerts:
            self.dismissed_alerts = [*self.dismissed_alerts, key][-50:]

    @rx.event
    def connect_now(self, key: str) -> Any:
        """The pop-up's ``Connect Now``: the reconnect flow of that source."""
        self.dismiss_alert(key)
        source_id = key.split(":", 1)[0]
        return rx.redirect(f"/settings/sources?reconnect={source_id}")

    @rx.event
    async def recheck_access(self) -> Any:
        """Sent by the server to open tabs after a member was removed."""
        try:
            self._show(await self.viewer())
        except NotAllowed:
            self._forget()
            return rx.redirect("/login?notice=removed")
        return None


class PublicState(rx.State):
    """Vars of the signed-out pages (login, sign-up, invitation)."""

    error: str = ""
    notice: str = ""
    email: str = ""
    workspace: str = ""
    next_path: str = ""
    demo_mode: bool = False

    @rx.event
    async def load(self) -> Any:
        query = self.router.url.query_parameters
        self.error = query.get("error", "")[:300]
        self.email = query.get("email", "")[:320]
        self.workspace = query.get("workspace", "")[:120]
        self.next_path = query.get("next", "")[:300]
        self.notice = (
            "You no longer have access to that workspace."
            if query.get("notice") == "removed"
            else ""
        )
        self.demo_mode = bool(get_settings().seed_demo)  # on in demo mode only, by default
        token = read_session_cookie(self.router.headers.cookie)
        if token and not self.notice:
            now = app_clock().now()
            viewer = await run_db(lambda s: auth_service.current_viewer(s, token=token, now=now))
            if viewer is not None:
                return rx.redirect("/feed")
        return None
