"""The signed-in viewer, re-checked on every page load and every mutating event.

Events can be sent over the websocket by anyone, so no handler trusts a var for identity: each
one resolves the viewer again from the HttpOnly session cookie (captured with the socket's
headers) before calling a service.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

import reflex as rx
from sqlmodel import Session

from archive_app import live, paths
from archive_app.crypto import sha256_hex
from archive_app.deps import current, run_db
from archive_app.live.reflex_internals import EventSpec, fresh_state_delta
from archive_app.services import admin as admin_service
from archive_app.services import auth as auth_service
from archive_app.services import team as team_service
from archive_app.services.auth import Viewer
from archive_app.services.errors import NotAllowed, ServiceError
from archive_app.services.workspace_view import WorkspaceView
from archive_app.states.args import id_arg, text_arg
from archive_app.states.assign import set_changed
from archive_app.states.flash import take_flash
from archive_app.states.page_check import page_checks
from archive_app.states.source_views import SourceView, source_view
from archive_app.web.cookies import read_session_cookie

T = TypeVar("T")


class _Refused(Exception):
    """A service refused the work of ``_act_or_toast`` (not the session check): carries it out
    of the unit of work, which rolls back, without looking like a ``ServiceError``."""

    def __init__(self, error: ServiceError) -> None:
        super().__init__(error.message)
        self.error = error


class AppState(rx.State):
    """Shell vars shared by every signed-in page, and what this tab shows of its workspace.

    The workspace part (``sources``, ``alerts``, ``member_count``) is pushed by dispatch.py
    and shown only after this tab's own session passes the page-load check
    (``_apply_workspace_view``).
    """

    signed_in: bool = False
    user_id: int = 0
    email: str = ""
    workspace_id: int = 0
    workspace_name: str = ""
    is_owner: bool = False
    member_count: int = 0
    sources: list[SourceView] = []
    sources_loaded: bool = False
    # Disconnected sources people must hear about: every tab shows a pop-up for each.
    alerts: list[SourceView] = []
    # Disconnection pop-ups this tab has closed: ",<source id>:<episode id>,..." kept in the
    # tab's sessionStorage, so a closed pop-up stays closed across page loads of that tab.
    dismissed_alerts: str = rx.SessionStorage("", name="archive_dismissed_alerts")

    async def _viewer(self) -> Viewer:
        """The signed-in viewer, from the cookie; raises NotAllowed when the session ended."""
        token = read_session_cookie(self.router.headers.cookie)
        now = current().clock.now()
        return await run_db(lambda s: auth_service.require_viewer(s, token=token, now=now))

    async def _viewer_or_none(self) -> Viewer | None:
        """:meth:`_viewer`, or None when the session ended (for events the server sends)."""
        try:
            return await self._viewer()
        except NotAllowed:
            return None

    async def _act(self, work: Callable[[Session, Viewer], T]) -> T:
        """``work(session, viewer)`` in one unit of work, for the viewer of the session cookie.

        A session that ended raises NotAllowed (``on_handler_error`` sends the tab to /login);
        whatever ``work`` raises reaches the caller as it is."""
        token = read_session_cookie(self.router.headers.cookie)
        now = current().clock.now()
        async with self._acting():
            return await run_db(
                lambda s: work(s, auth_service.require_viewer(s, token=token, now=now))
            )

    @contextlib.asynccontextmanager
    async def _acting(self) -> AsyncIterator[None]:
        """Around work this tab's handler does (``_act`` uses it; so does a handler that hands
        ``run_db`` to a service). The effects of the events it records reach every other open
        tab at once (``dispatch.py``); this tab's state is held by the handler, so it is
        skipped there and shows the new view and runs the topics' handlers here, after."""
        me = live.Acting(self._tab())
        token = live.acting.set(me)
        try:
            yield
        finally:
            live.acting.reset(token)
            if me.view is not None:
                self._apply_workspace_view(me.view)
            if me.handlers:  # queued in this tab's browser: they run after this handler
                await live.send_to_tab(self._tab(), me.handlers)

    async def _act_or_toast(self, work: Callable[[Session, Viewer], T]) -> T | EventSpec:
        """As ``_act``, but a ``ServiceError`` raised by ``work`` comes back as its error toast
        (the caller returns it); an ended session still goes to /login."""

        def refusing(session: Session, viewer: Viewer) -> T:
            try:
                return work(session, viewer)
            except ServiceError as exc:
                raise _Refused(exc) from exc

        try:
            return await self._act(refusing)
        except _Refused as refused:
            return rx.toast.error(refused.error.message)

    def _tab(self) -> str:
        return self.router.session.client_token

    def _show(self, viewer: Viewer) -> None:
        set_changed(
            self,
            signed_in=True,
            user_id=viewer.user_id,
            email=viewer.email,
            workspace_id=viewer.workspace_id,
            workspace_name=viewer.workspace_name,
            is_owner=viewer.is_owner,
        )

    def _forget(self) -> None:
        self.signed_in = False
        self.user_id = self.workspace_id = self.member_count = 0
        self.email = self.workspace_name = ""
        self.is_owner = False
        self.sources = []
        self.alerts = []
        self.sources_loaded = False

    def _session_hash(self) -> str:
        token = read_session_cookie(self.router.headers.cookie)
        return sha256_hex(token) if token else ""

    def _apply_workspace_view(self, view: WorkspaceView) -> bool:
        """Show a workspace view in this tab, if this tab's session may see it.

        The same check as a page load, against the view's list of valid sessions of current
        members: a removed member's or ended session's tab is cleared and gets nothing.
        """
        if self._session_hash() not in view.session_hashes:
            self._forget()
            return False
        if self.workspace_id == view.workspace_id:
            self._show_view(view)
        return True

    def _show_view(self, view: WorkspaceView) -> None:
        if self.member_count != view.member_count:
            self.member_count = view.member_count
        views = [source_view(row) for row in view.sources]
        if self.sources != views or not self.sources_loaded:
            self.sources = views
            self.sources_loaded = True
        alerts = [v for v in views if v.alert_key]
        if self.alerts != alerts:
            self.alerts = alerts

    @classmethod
    async def _view_delta(cls, view: WorkspaceView) -> dict[str, Any]:
        """The update that shows ``view`` in any tab, computed once for all of them.

        live.announce sends it to each open tab that passed its session check, without loading
        and saving every tab's state: ``sources``, ``alerts`` and ``member_count`` are display
        vars. No handler decides anything from them; handlers read what they need from the
        database (see SourcesState._row), and each page load sets them again.
        """
        return await fresh_state_delta(cls, lambda state: state._show_view(view))

    @rx.event
    async def guard(self) -> Any:
        """on_load of every signed-in page: send strangers to /login, register the tab.

        The check is shared with the other tabs loading at the same moment (``page_check``)."""
        found = await page_checks.check(read_session_cookie(self.router.headers.cookie))
        if found is None:
            self._forget()
            await live.unregister_tab(self._tab())
            path = self.router.url.path.rstrip("/") or "/"
            query = self.router.url.query
            target = f"{path}?{query}" if query else path
            return rx.redirect(f"{paths.LOGIN}?" + urlencode({"next": target}))
        viewer, view = found.viewer, found.view
        self._show(viewer)
        self._apply_workspace_view(view)
        # Opening a tab pushes nothing to the others: it only joins the registry.
        await live.register_tab(
            self._tab(), workspace_id=viewer.workspace_id, session_hash=self._session_hash()
        )
        return None

    @rx.event
    def dismiss_alert(self, key: str) -> None:
        key = text_arg(key, limit=80)
        keys = [k for k in self.dismissed_alerts.split(",") if k]
        if key and key not in keys:
            self.dismissed_alerts = "," + ",".join([*keys, key][-50:]) + ","

    @rx.event
    def connect_now(self, key: str) -> Any:
        """The pop-up's ``Connect Now``: the reconnect flow of that source."""
        key = text_arg(key, limit=80)
        self.dismiss_alert(key)
        source_id = id_arg(key.split(":", 1)[0])
        return rx.redirect(paths.reconnect(source_id))

    @rx.event
    async def recheck_access(self) -> Any:
        """Sent by the server to a tab whose session can no longer see its workspace."""
        try:
            self._show(await self._viewer())
        except NotAllowed:
            user_id, workspace_id = self.user_id, self.workspace_id
            self._forget()
            await live.unregister_tab(self._tab())
            # Words for why: this person left the workspace, or only this session ended.
            member = await run_db(
                lambda s: team_service.is_member(s, workspace_id=workspace_id, user_id=user_id)
            )
            return rx.redirect(f"{paths.LOGIN}?notice={'signed_out' if member else 'removed'}")
        return None


# The only notices a URL can ask for (by code; the text is ours).
NOTICES = {
    "removed": "You no longer have access to that workspace.",
    "signed_out": "You were logged out (your password changed or you logged out elsewhere).",
}


class PublicState(rx.State):
    """Vars of the signed-out pages (login, sign-up, invitation)."""

    error: str = ""
    notice: str = ""
    email: str = ""
    workspace: str = ""
    next_path: str = ""
    demo_mode: bool = False
    # A fresh instance: nobody has an account yet, so /login offers to create the owner.
    needs_owner: bool = False
    # ... and it runs in production, so creating the owner needs the setup code from the log.
    setup_code_needed: bool = False
    # /login shows neither form until its load knew which one (no "Log in" flashing first).
    owner_checked: bool = False
    # The last flash message this tab showed (shown once; see web/flash.py).
    _seen_flash: str = ""

    @rx.event
    async def load(self) -> Any:
        query = self.router.url.query_parameters
        # Never text from the URL: only a flash our own route set in this browser.
        flash = take_flash(self)
        self.error = self.email = self.workspace = ""
        if flash is not None:
            self.error = flash.error
            self.email = flash.fields.get("email", "")
            self.workspace = flash.fields.get("workspace", "")
        self.next_path = query.get("next", "")[:300]  # a hidden field; /auth/login checks it
        self.notice = NOTICES.get(query.get("notice", ""), "")
        self.demo_mode = bool(current().settings.seed_demo)  # on in demo mode only, by default
        if self.router.url.path.rstrip("/") == paths.LOGIN:
            self.needs_owner = not await run_db(admin_service.has_users)
            self.setup_code_needed = current().settings.is_production
            self.owner_checked = True
        token = read_session_cookie(self.router.headers.cookie)
        if token and not self.notice:
            now = current().clock.now()
            viewer = await run_db(lambda s: auth_service.current_viewer(s, token=token, now=now))
            if viewer is not None:
                return rx.redirect(paths.FEED)
        return None
