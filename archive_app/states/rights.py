"""Manage Rights: the requests table, its filters and per-request actions.

Rows are display vars, re-read from the database on every load, filter change and
``rights_changed`` (Topic.rights: any tab or job changed a request). Actions take the request id
from the browser and hand it to a service that looks it up within the viewer's workspace.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import reflex as rx

from archive_app import deps, paths
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.services.errors import NotAllowed, ServiceError
from archive_app.services.rights import export
from archive_app.services.rights import manage as service
from archive_app.services.rights import retry as rights_retry
from archive_app.services.rights import status as rights_status
from archive_app.services.rights import terms as rights_terms
from archive_app.services.rights.filters import RightsFilter, parse_filters
from archive_app.services.rights.link import links_for
from archive_app.services.rights.query import LABELS
from archive_app.states.args import BadEventArgs, id_arg, text_arg
from archive_app.states.base import AppState
from archive_app.states.rights_terms import RightsTermsState
from archive_app.states.rights_views import (
    FILTER_PARAMS,
    FILTERS,
    URL_PARAMS,
    RequestView,
    marked,
    request_view,
    shown_filters,
)


class RightsState(AppState):
    rows: list[RequestView] = []
    rights_loaded: bool = False
    # The filters, as the URL has them (services/rights/filters.py reads and writes it).
    filter_status: str = ""
    filter_scope: str = ""
    filter_requested_from: str = ""
    filter_requested_to: str = ""
    filter_responded_from: str = ""
    filter_responded_to: str = ""
    filter_q: str = ""
    filters_shown: list[str] = []  # the controls `Add Filter` put on screen
    filter_notes: list[str] = []  # values of the URL that were ignored, and why
    filter_error: str = ""
    # The table shows the newest ``shown`` requests (PAGE more with each "Show more").
    shown: int = service.PAGE
    rows_capped: bool = False  # more requests match than the table shows

    @rx.var
    def filtered(self) -> bool:
        return any(
            (
                self.filter_status,
                self.filter_scope,
                self.filter_requested_from,
                self.filter_requested_to,
                self.filter_responded_from,
                self.filter_responded_to,
                self.filter_q,
            )
        )

    @rx.var
    def filters_addable(self) -> list[str]:
        return [name for name in FILTERS if name not in self.filters_shown]

    def _query(self) -> dict[str, str]:
        raw = {param: getattr(self, "filter_" + param) for param in URL_PARAMS}
        return {k: v for k, v in raw.items() if v}

    def _filters(self) -> RightsFilter:
        return parse_filters(self._query())[0]

    def _show_query(self, query: dict[str, str]) -> None:
        filters, notes = parse_filters(query)
        canonical = filters.query()
        for param in URL_PARAMS:
            setattr(self, "filter_" + param, canonical.get(param, ""))
        self.filters_shown = shown_filters(canonical, self.filters_shown)
        self.filter_notes = notes

    def _go(self, query: dict[str, str]) -> Any:
        """The filters live in the URL: going there loads them (reload and share keep them)."""
        filters, _ = parse_filters(query)
        encoded = urlencode(filters.query())
        return rx.redirect(f"{paths.RIGHTS}?{encoded}" if encoded else paths.RIGHTS)

    async def _reload(self) -> None:
        viewer = await self._viewer()
        filters = self._filters()
        self.filter_error = ""
        shown = self.shown
        current = deps.current()
        now, cipher = current.clock.now(), current.cipher
        rows, terms = await deps.run_db(
            lambda s: (
                service.list_requests(
                    s,
                    workspace_id=viewer.workspace_id,
                    user_id=viewer.user_id,
                    filters=filters,
                    limit=shown + 1,  # one more than shown: whether there are more
                    cipher=cipher,
                    now=now,
                ),
                rights_terms.current_terms(
                    s, workspace_id=viewer.workspace_id, user_id=viewer.user_id
                ),
            )
        )
        embed = deps.current().settings.tiktok_embed_url
        self.rows = [request_view(r, embed_url=embed) for r in rows[:shown]]
        self.rows_capped = len(rows) > shown
        (await self.get_state(RightsTermsState))._show_terms(terms)
        self.rights_loaded = True

    @rx.event
    async def load(self) -> Any:
        if not self.signed_in:
            return None  # the guard before this handler sent the tab to /login
        self._show_query(dict(self.router.url.query_parameters))
        self.shown = service.PAGE
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

    @rx.event
    def set_filter(self, param: str, value: str) -> Any:
        """A filter control changed: the page's URL gets it (a bad value is dropped there)."""
        param, value = text_arg(param, limit=20), text_arg(value, limit=20)
        if param not in URL_PARAMS or param == "q":
            raise BadEventArgs("expected a filter's name")
        return self._go({**self._query(), param: value})

    @rx.event
    def add_filter(self, name: str) -> None:
        """`Add Filter` → a filter: its control appears (the URL changes once it has a value)."""
        name = text_arg(name, limit=20)
        if name in FILTERS and name not in self.filters_shown:
            self.filters_shown = shown_filters(self._query(), [*self.filters_shown, name])

    @rx.event
    def remove_filter(self, name: str) -> Any:
        name = text_arg(name, limit=20)
        if name not in FILTERS:
            raise BadEventArgs("expected a filter's name")
        self.filters_shown = [n for n in self.filters_shown if n != name]
        query = {k: v for k, v in self._query().items() if k not in FILTER_PARAMS[name]}
        return self._go(query)

    @rx.event
    def search_creator(self, form: dict[str, Any]) -> Any:
        """The search box: part of a creator's handle."""
        if not isinstance(form, dict):
            raise BadEventArgs("expected the search form")
        return self._go({**self._query(), "q": text_arg(form.get("q", ""), limit=200)})

    @rx.event
    def clear_filters(self) -> Any:
        self.filters_shown = []
        return rx.redirect(paths.RIGHTS)

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
        current = deps.current()
        links = links_for(current.settings.public_url, current.cipher)
        try:
            text = await deps.run_db(
                lambda s: service.copy_text(
                    s,
                    workspace_id=viewer.workspace_id,
                    user_id=viewer.user_id,
                    request_id=request_id,
                    links=links,
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
        shown = marked(self.rows, request_id, status)
        if shown is not None:  # this tab shows it at once; the reload after confirms it
            self.rows = shown
            yield
        try:
            now = deps.current().clock.now()
            async with self._acting():  # RightsChanged: every open tab re-reads its rights
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
            if shown is not None:
                await self._reload_or_clear()  # not changed: show what is true again
            yield rx.toast.error(exc.message, id="rights")
            return
        yield rx.toast.success(f"Marked as {LABELS[changed.status]}.", id="rights")

    @rx.event
    async def retry_sending(self, request_id: int) -> AsyncIterator[Any]:
        """`Retry sending`: one attempt now, whatever the backoff says."""
        request_id = id_arg(request_id)
        viewer = await self._viewer()  # no session: on_handler_error sends it to log in
        try:
            current = deps.current()
            async with self._acting():
                outcome = await rights_retry.retry_request(
                    deps.run_db,
                    workspace_id=viewer.workspace_id,
                    user_id=viewer.user_id,
                    request_id=request_id,
                    now=current.clock.now(),
                    gateway=current.gateway(Kind.tiktok_v1),
                    cipher=current.cipher,
                    links=links_for(current.settings.public_url, current.cipher),
                )
        except ServiceError as exc:
            yield rx.toast.error(exc.message, id="rights")
            return
        if outcome.sent:
            yield rx.toast.success(outcome.toast, id="rights")
        else:
            yield rx.toast.info(outcome.toast, id="rights", duration=12000)

    @rx.event
    async def export_csv(self) -> Any:
        """The filtered table as a CSV download (every matching request)."""
        viewer = await self._viewer()  # no session: on_handler_error sends it to log in
        try:
            filters = self._filters()
            base_url = deps.current().settings.public_url
            data = await deps.run_db(
                lambda s: export.export_csv(
                    s,
                    workspace_id=viewer.workspace_id,
                    user_id=viewer.user_id,
                    filters=filters,
                    base_url=base_url,
                )
            )
        except ServiceError as exc:
            return rx.toast.error(exc.message, id="rights")
        day = deps.current().clock.now().date().isoformat()
        return rx.download(data=data, filename=f"usage-rights-{day}.csv", mime_type="text/csv")
