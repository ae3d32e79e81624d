"""Manage Rights: the requests table, its filters and per-request actions.

Rows are display vars, re-read from the database on every load, filter change and
``rights_changed`` (Topic.rights: any tab or job changed a request). Actions take the request id
from the browser and hand it to a service that looks it up within the viewer's workspace.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import reflex as rx

from archive_app import deps, paths
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.services import rights_manage as service
from archive_app.services import rights_retry, rights_status
from archive_app.services.errors import NotAllowed, ServiceError
from archive_app.services.rights_query import LABELS
from archive_app.states.args import BadEventArgs, id_arg, text_arg
from archive_app.states.base import AppState
from archive_app.states.rights_request import announce_rights

BADGES = {"in_queue": "amber", "requested": "blue", "approved": "green", "declined": "red"}


@dataclass
class VideoView:
    thumbnail_url: str = ""
    url: str = ""
    alt: str = ""


@dataclass
class RequestView:
    request_id: int = 0
    creator_handle: str = ""
    status: str = ""
    status_label: str = ""
    badge: str = "gray"
    reason: str = ""
    requested: str = ""
    responded: str = ""
    requested_by: str = ""
    sender: str = ""
    set_by: str = ""
    # What to do about the queue reason, when it is a source: a link to Settings → Sources.
    fix_label: str = ""
    fix_href: str = ""
    can_retry: bool = False
    videos: list[VideoView] = field(default_factory=list)


@dataclass
class CreatorOption:
    creator_id: str = ""
    handle: str = ""


def _day(value: datetime | None) -> str:
    return value.strftime("%b %d, %Y") if value else ""


def request_view(row: service.RequestRow) -> RequestView:
    set_by = ""
    if row.status_set_by and row.status_set_at:
        set_by = f"Set to {row.status_label} by {row.status_set_by} on {_day(row.status_set_at)}"
    fix_label = fix_href = ""
    if row.queue_reason == "v1_disconnected":
        fix_label = "Reconnect " + ("@" + row.sender_handle if row.sender_handle else "it")
        fix_href = paths.reconnect(row.sender_source_id) if row.sender_source_id else paths.SOURCES
    elif row.queue_reason == "no_v1_source":
        fix_label, fix_href = "Connect a TikTok Account v.1", paths.SOURCES
    return RequestView(
        request_id=row.request_id,
        creator_handle=row.creator_handle,
        status=row.status,
        status_label=row.status_label,
        badge=BADGES.get(row.status, "gray"),
        reason=row.reason + (" Sending now…" if row.sending else ""),
        requested=_day(row.requested_at),
        responded=_day(row.responded_at),
        requested_by=row.requested_by,
        sender="@" + row.sender_handle if row.sender_handle else "",
        set_by=set_by,
        fix_label=fix_label,
        fix_href=fix_href,
        can_retry=row.status == "in_queue" and not row.sending,
        videos=[
            VideoView(v.thumbnail_url, v.url, f"Video by @{row.creator_handle}: {v.caption}"[:200])
            for v in row.videos
        ],
    )


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
    # The table shows the newest PAGE requests; more exist when it is full.
    rows_capped: bool = False

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
        rows, creators = await deps.run_db(
            lambda s: (
                service.list_requests(
                    s, workspace_id=viewer.workspace_id, user_id=viewer.user_id, filters=filters
                ),
                service.creator_choices(
                    s, workspace_id=viewer.workspace_id, user_id=viewer.user_id
                ),
            )
        )
        self.rows = [request_view(r) for r in rows]
        self.rows_capped = len(rows) >= service.PAGE
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
        try:
            await self._reload()
        except NotAllowed:
            self.rows = []

    async def _set_filter(self, name: str, value: str) -> None:
        setattr(self, name, value)
        try:
            await self._reload()
        except NotAllowed:
            self.rows = []

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
        await self._reload()

    @rx.event
    async def copy_message(self, request_id: int) -> Any:
        """`Copy message`: the message and the videos' links onto the clipboard."""
        request_id = id_arg(request_id)
        try:
            viewer = await self._viewer()
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
        try:
            viewer = await self._viewer()
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
        try:
            viewer = await self._viewer()
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
        try:
            viewer = await self._viewer()
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
