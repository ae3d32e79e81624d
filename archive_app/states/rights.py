"""Manage Rights: the requests table, its filters and per-request actions.

Rows are display vars, re-read from the database on every load, filter change and
``rights_changed`` (Topic.rights: any tab or job changed a request). Actions take the request id
from the browser and hand it to a service that looks it up within the viewer's workspace.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import reflex as rx

from archive_app import deps, paths
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.services.errors import NotAllowed, ServiceError
from archive_app.services.rights import manage as service
from archive_app.services.rights import retry as rights_retry
from archive_app.services.rights import status as rights_status
from archive_app.services.rights.query import LABELS
from archive_app.states.args import BadEventArgs, id_arg, text_arg
from archive_app.states.base import AppState
from archive_app.states.rights_request import announce_rights
from archive_app.states.rights_views import BADGES, CreatorOption, RequestView, request_view


def _date_arg(value: Any) -> date | None:
    text = text_arg(value, limit=10)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise BadEventArgs("expected a date") from exc


class RightsState(AppState):
    rows: list[RequestView] = []
    creators: list[CreatorOption] = []
    rights_loaded: bool = False
    filter_status: str = ""
    filter_creator: str = ""
    filter_since: str = ""
    filter_until: str = ""
    filter_error: str = ""
    # The table shows the newest ``shown`` requests (PAGE more with each "Show more").
    shown: int = service.PAGE
    rows_capped: bool = False  # more requests match than the table shows

    @rx.var
    def filtered(self) -> bool:
        return bool(
            self.filter_status or self.filter_creator or self.filter_since or self.filter_until
        )

    def _filters(self) -> service.RightsFilter:
        creator = id_arg(self.filter_creator) if self.filter_creator else None
        return service.RightsFilter(
            status=self.filter_status,
            creator_id=creator,
            since=_date_arg(self.filter_since),
            until=_date_arg(self.filter_until),
        )

    async def _reload(self) -> None:
        viewer = await self._viewer()
        try:
            filters = self._filters()
            self.filter_error = ""
        except ServiceError as exc:
            self.filter_error = exc.message
            filters = service.RightsFilter()
        shown = self.shown
        rows, creators = await deps.run_db(
            lambda s: (
                service.list_requests(
                    s,
                    workspace_id=viewer.workspace_id,
                    user_id=viewer.user_id,
                    filters=filters,
                    limit=shown + 1,  # one more than shown: whether there are more
                ),
                service.creator_choices(
                    s, workspace_id=viewer.workspace_id, user_id=viewer.user_id
                ),
            )
        )
        self.rows = [request_view(r) for r in rows[:shown]]
        self.rows_capped = len(rows) > shown
        self.creators = [CreatorOption(str(c.creator_id), c.handle) for c in creators]
        self.rights_loaded = True

    @rx.event
    async def load(self) -> Any:
        if not self.signed_in:
            return None  # the guard before this handler sent the tab to /login
        try:
            await self._reload()
        except NotAllowed:
            return rx.redirect(paths.LOGIN)
        return None

    @rx.event
    async def rights_changed(self) -> None:
        """Topic.rights: some tab or job changed a request. Only this page's tabs reload."""
        if not self.signed_in or self.router.url.path.rstrip("/") != paths.RIGHTS:
            return
        await self._reload_or_clear()

    async def _reload_or_clear(self) -> None:
        """Re-read the table; a viewer who lost the workspace sees it empty (the live layer
        sends their tab to the login page)."""
        try:
            await self._reload()
        except NotAllowed:
            self.rows = []

    async def _set_filter(self, name: str, value: str) -> None:
        setattr(self, name, value)
        self.shown = service.PAGE
        await self._reload_or_clear()

    @rx.event
    async def set_filter_status(self, value: str) -> None:
        value = text_arg(value, limit=16)
        await self._set_filter("filter_status", value if value in BADGES else "")

    @rx.event
    async def set_filter_creator(self, value: str) -> None:
        value = text_arg(value, limit=12)
        await self._set_filter("filter_creator", str(id_arg(value)) if value else "")

    @rx.event
    async def set_filter_since(self, value: str) -> None:
        day = _date_arg(value)
        await self._set_filter("filter_since", day.isoformat() if day else "")

    @rx.event
    async def set_filter_until(self, value: str) -> None:
        day = _date_arg(value)
        await self._set_filter("filter_until", day.isoformat() if day else "")

    @rx.event
    async def clear_filters(self) -> None:
        self.filter_status = self.filter_creator = self.filter_since = self.filter_until = ""
        self.shown = service.PAGE
        await self._reload()

    @rx.event
    async def show_more(self) -> None:
        """The next PAGE older requests under those shown (live updates keep them all)."""
        self.shown = min(self.shown + service.PAGE, service.MAX_SHOWN)
        await self._reload_or_clear()

    @rx.event
    async def copy_message(self, request_id: int) -> Any:
        """`Copy message`: the message and the videos' links onto the clipboard."""
        request_id = id_arg(request_id)
        viewer = await self._viewer()  # no session: on_handler_error sends it to log in
        try:
            text = await deps.run_db(
                lambda s: service.copy_text(
                    s,
                    workspace_id=viewer.workspace_id,
                    user_id=viewer.user_id,
                    request_id=request_id,
                )
            )
        except ServiceError as exc:
            return rx.toast.error(exc.message, id="rights")
        return [
            rx.set_clipboard(text),
            rx.toast.success(
                "Message and links copied. Paste them into an email or a TikTok message.",
                id="rights",
            ),
        ]

    @rx.event
    async def set_status(self, request_id: int, status: str) -> AsyncIterator[Any]:
        """Mark as Approved / Declined / Requested by hand (who and when are recorded)."""
        request_id = id_arg(request_id)
        status = text_arg(status, limit=16)
        viewer = await self._viewer()  # no session: on_handler_error sends it to log in
        try:
            now = deps.current().clock.now()
            changed = await deps.run_db(
                lambda s: rights_status.set_status(
                    s,
                    workspace_id=viewer.workspace_id,
                    user_id=viewer.user_id,
                    request_id=request_id,
                    status=status,
                    now=now,
                )
            )
        except ServiceError as exc:
            yield rx.toast.error(exc.message, id="rights")
            return
        yield rx.toast.success(f"Marked as {LABELS[changed.status]}.", id="rights")
        for handler in await announce_rights(self, viewer.workspace_id):
            yield handler

    @rx.event
    async def retry_sending(self, request_id: int) -> AsyncIterator[Any]:
        """`Retry sending`: one attempt now, whatever the backoff says."""
        request_id = id_arg(request_id)
        viewer = await self._viewer()  # no session: on_handler_error sends it to log in
        try:
            current = deps.current()
            outcome = await rights_retry.retry_request(
                deps.run_db,
                workspace_id=viewer.workspace_id,
                user_id=viewer.user_id,
                request_id=request_id,
                now=current.clock.now(),
                gateway=current.gateway(Kind.tiktok_v1),
                cipher=current.cipher,
            )
        except ServiceError as exc:
            yield rx.toast.error(exc.message, id="rights")
            return
        if outcome.sent:
            yield rx.toast.success(outcome.toast, id="rights")
        else:
            yield rx.toast.info(outcome.toast, id="rights", duration=12000)
        for handler in await announce_rights(self, viewer.workspace_id):
            yield handler

    @rx.event
    async def export_csv(self) -> Any:
        """The filtered table as a CSV download (every matching request)."""
        viewer = await self._viewer()  # no session: on_handler_error sends it to log in
        try:
            filters = self._filters()
            data = await deps.run_db(
                lambda s: service.export_csv(
                    s, workspace_id=viewer.workspace_id, user_id=viewer.user_id, filters=filters
                )
            )
        except ServiceError as exc:
            return rx.toast.error(exc.message, id="rights")
        day = deps.current().clock.now().date().isoformat()
        return rx.download(data=data, filename=f"usage-rights-{day}.csv", mime_type="text/csv")
