"""Settings → Sources: the list (pushed to every tab of the workspace) and the connect wizard.

The wizard's QR polling is a background event: it stops when the QR login ends, when the
wizard is closed or restarted, or when the tab goes away.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx

from archive_app import deps, live
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.services import connect, connect_qr
from archive_app.services import sources as service
from archive_app.services.auth import normalize_email
from archive_app.services.errors import NotAllowed, ServiceError
from archive_app.services.qr_image import qr_data_url
from archive_app.states.args import id_arg, text_arg
from archive_app.states.base import AppState, run_db
from archive_app.states.source_views import SourceView, source_view
from archive_app.web.flash import read_flash

POLL_SECONDS = 1.0
MAX_TYPED = 400  # longer than any email address (320)


def _query_id(query: dict[str, str], name: str) -> int | None:
    try:
        return id_arg(query.get(name, ""))
    except ValueError:
        return None


class SourcesState(AppState):
    flash: str = ""
    page_error: str = ""
    # The wizard: "" (closed) | choose | reminders | qr | consent
    step: str = ""
    reconnect_source_id: int = 0
    reconnect_handle: str = ""
    reminder_emails: list[str] = []
    reminder_input: str = ""
    reminder_error: str = ""
    qr_image: str = ""
    qr_scan_url: str = ""
    # Outside production TikTok is the built-in simulator: offer its "phone" page as a link.
    simulated: bool = False
    qr_phase: str = ""  # waiting | scanned | renewed | denied | failed | connected
    qr_message: str = ""
    qr_loading: bool = False
    attempt_id: int = 0
    # Editing a v.1 source's reminder addresses from its row.
    edit_source_id: int = 0
    edit_emails: list[str] = []
    edit_input: str = ""
    edit_error: str = ""
    _seen_flash: str = ""

    async def _row(self, source_id: int) -> SourceView | None:
        """A source of the viewer's workspace, read now (pushed display vars are not state)."""
        try:
            viewer = await self._viewer()
            now = deps.current().clock.now()
            rows = await run_db(
                lambda s: service.list_sources(
                    s, workspace_id=viewer.workspace_id, user_id=viewer.user_id, now=now
                )
            )
        except ServiceError:
            return None
        return next((source_view(r) for r in rows if r.source_id == source_id), None)

    @rx.event
    async def load(self) -> Any:
        query = self.router.url.query_parameters
        flash = read_flash(
            self.router.headers.cookie, page=self.router.url.path, seen=self._seen_flash
        )
        self.page_error = flash.error if flash else ""
        if flash:
            self._seen_flash = flash.flash_id
        self.flash = ""
        self.simulated = deps.current().settings.dev_routes_enabled
        # Tab state outlives a page load (e.g. the trip to TikTok's consent page and back);
        # a wizard left open then is over.
        self._reset_wizard()
        self.edit_source_id = 0
        if not self.signed_in:
            return None  # the guard before this handler sent the tab to /login
        if (reconnect := _query_id(query, "reconnect")) is not None:
            # the Reconnect button of an alert email, or Connect Now
            return await self._start_reconnect(reconnect)
        if (connected := _query_id(query, "connected")) is not None and (
            row := await self._row(connected)
        ):
            self.flash = f"Connected @{row.handle}. It is Active now."
        return None

    # --- the wizard ----------------------------------------------------------------------------

    @rx.event
    def open_add(self) -> None:
        self._reset_wizard()
        self.step = "choose"

    @rx.event
    def close_wizard(self) -> None:
        self._reset_wizard()

    def _reset_wizard(self) -> None:
        self.step = ""
        self.attempt_id = 0  # the polling loop sees this and stops
        self.reconnect_source_id = 0
        self.reconnect_handle = ""
        self.reminder_input = self.reminder_error = ""
        self.qr_image = self.qr_phase = self.qr_message = self.qr_scan_url = ""
        self.qr_loading = False

    @rx.event
    def choose_v1(self) -> None:
        self.step = "v1_intro"
        self.reminder_emails = [self.email] if self.email else []

    @rx.event
    def setup_reminders(self) -> None:
        self.step = "reminders"

    @rx.event
    def choose_v2(self) -> None:
        self.step = "consent"

    async def _start_reconnect(self, source_id: int) -> Any:
        row = await self._row(source_id)
        if row is None:
            self.page_error = "That source is no longer in this workspace."
            return None
        if row.is_v1:
            await self.reconnect_v1(source_id)
            return None
        # v.2 reconnects on TikTok's consent page: a full page load, not client-side routing.
        return rx.call_script(
            f"window.location.assign('/oauth/tiktok/v2/start?source={source_id}')"
        )

    @rx.event
    async def reconnect_v1(self, source_id: int) -> None:
        row = await self._row(id_arg(source_id))
        self._reset_wizard()
        if row is None:
            self.page_error = "That source is no longer in this workspace."
            return
        self.reconnect_source_id = row.source_id
        self.reconnect_handle = row.handle
        self.reminder_emails = list(row.reminder_emails) or [self.email]
        self.step = "reminders"

    @rx.event
    def set_reminder_input(self, value: str) -> None:
        self.reminder_input = text_arg(value, limit=MAX_TYPED)
        self.reminder_error = ""

    def _add_chip(self, emails: list[str], raw: str) -> tuple[list[str], str]:
        try:
            address = normalize_email(raw)
        except ServiceError as exc:
            return emails, exc.message
        if address in emails:
            return emails, f"{address} is already in the list."
        if len(emails) >= service.MAX_REMINDER_EMAILS:
            return emails, f"Up to {service.MAX_REMINDER_EMAILS} addresses can receive reminders."
        return [*emails, address], ""

    @rx.event
    def add_reminder_email(self, _form: dict[str, Any] | None = None) -> None:
        self.reminder_emails, self.reminder_error = self._add_chip(
            self.reminder_emails, self.reminder_input
        )
        if not self.reminder_error:
            self.reminder_input = ""

    @rx.event
    def remove_reminder_email(self, address: str) -> None:
        address = text_arg(address, limit=MAX_TYPED)
        self.reminder_emails = [e for e in self.reminder_emails if e != address]

    @rx.event
    async def connect_tiktok(self) -> AsyncIterator[Any]:
        """``Connect TikTok``: show a QR code at once, then watch it in the background."""
        if self.reminder_input.strip():
            self.add_reminder_email()
            if self.reminder_error:
                return
        self.qr_loading = True
        self.qr_message = ""
        self.step = "qr"
        yield
        try:
            viewer = await self._viewer()
            progress = await connect_qr.start_qr(
                deps.run_db,
                deps.gateway_of(Kind.tiktok_v1),
                workspace_id=viewer.workspace_id,
                user_id=viewer.user_id,
                reminder_emails=list(self.reminder_emails),
                now=deps.current().clock.now(),
                source_id=self.reconnect_source_id or None,
            )
        except ServiceError as exc:
            self.step = "reminders"
            self.qr_loading = False
            self.reminder_error = exc.message
            return
        self._show_progress(progress)
        if progress.phase != connect_qr.QrPhase.failed:
            yield SourcesState.watch_qr
        return

    def _show_progress(self, progress: connect_qr.QrProgress) -> None:
        self.qr_loading = False
        self.attempt_id = progress.attempt_id
        self.qr_phase = progress.phase.value
        self.qr_message = progress.message
        if progress.scan_url:
            self.qr_image = qr_data_url(progress.scan_url)
            self.qr_scan_url = progress.scan_url

    @rx.event
    async def refresh_qr(self) -> AsyncIterator[None]:
        if not self.attempt_id:
            return
        self.qr_loading = True
        yield
        try:
            viewer = await self._viewer()
            progress = await connect_qr.refresh_qr(
                deps.run_db,
                deps.gateway_of(Kind.tiktok_v1),
                attempt_id=self.attempt_id,
                workspace_id=viewer.workspace_id,
                user_id=viewer.user_id,
                now=deps.current().clock.now(),
            )
        except ServiceError as exc:
            self.qr_loading = False
            self.qr_phase = "failed"
            self.qr_message = exc.message
            return
        self._show_progress(progress)

    @rx.event
    def try_again(self) -> Any:
        """After a denied or failed QR login: a fresh attempt with the same reminder list."""
        self.attempt_id = 0
        return SourcesState.connect_tiktok

    @rx.event(background=True)
    async def watch_qr(self) -> Any:
        async with self:
            attempt_id = self.attempt_id
            was_scanned = self.qr_phase == "scanned"
        try:
            viewer = await self._viewer()
        except NotAllowed:
            return
        gateway, cipher = deps.gateway_of(Kind.tiktok_v1), deps.current().cipher
        tab = self.router.session.client_token
        while attempt_id:
            await asyncio.sleep(POLL_SECONDS)
            if not await live.tab_is_open(tab):
                return  # the tab closed: nobody is waiting for this QR code any more
            async with self:
                if self.attempt_id != attempt_id:
                    return  # closed, restarted or refreshed elsewhere
            progress = await connect_qr.poll_qr(
                deps.run_db,
                gateway,
                attempt_id=attempt_id,
                workspace_id=viewer.workspace_id,
                user_id=viewer.user_id,
                cipher=cipher,
                now=deps.current().clock.now(),
                was_scanned=was_scanned,
            )
            was_scanned = progress.phase == connect_qr.QrPhase.scanned
            async with self:
                if self.attempt_id != attempt_id:
                    return
                if progress.phase == connect_qr.QrPhase.connected:
                    self._reset_wizard()
                    await self._announce()
                    row = await self._row(progress.source_id or 0)
                    handle = row.handle if row else ""
                    self.flash = f"Connected @{handle}. It is Active now."
                    return rx.toast.success(f"Connected @{handle}")
                self._show_progress(progress)
                if progress.phase in (connect_qr.QrPhase.denied, connect_qr.QrPhase.failed):
                    return None
        return None

    # --- per-source actions ----------------------------------------------------------------

    @rx.event
    async def disconnect(self, source_id: int) -> Any:
        source_id = id_arg(source_id)
        try:
            viewer = await self._viewer()
            handle = await connect.disconnect(
                deps.run_db,
                deps.gateway_of,
                workspace_id=viewer.workspace_id,
                user_id=viewer.user_id,
                source_id=source_id,
                cipher=deps.current().cipher,
                now=deps.current().clock.now(),
            )
            await self._announce()
        except ServiceError as exc:
            return rx.toast.error(exc.message)
        return rx.toast.success(f"Disconnected @{handle}. Its tokens were removed.")

    @rx.event
    async def edit_reminders(self, source_id: int) -> None:
        row = await self._row(id_arg(source_id))
        if row is None:
            return
        self.edit_source_id = row.source_id
        self.edit_emails = list(row.reminder_emails)
        self.edit_input = self.edit_error = ""

    @rx.event
    def set_edit_input(self, value: str) -> None:
        self.edit_input = text_arg(value, limit=MAX_TYPED)
        self.edit_error = ""

    @rx.event
    def add_edit_email(self, _form: dict[str, Any] | None = None) -> None:
        self.edit_emails, self.edit_error = self._add_chip(self.edit_emails, self.edit_input)
        if not self.edit_error:
            self.edit_input = ""

    @rx.event
    def remove_edit_email(self, address: str) -> None:
        address = text_arg(address, limit=MAX_TYPED)
        self.edit_emails = [e for e in self.edit_emails if e != address]

    @rx.event
    def cancel_edit(self) -> None:
        self.edit_source_id = 0

    @rx.event
    async def save_reminders(self) -> Any:
        if self.edit_input.strip():
            self.add_edit_email()
            if self.edit_error:
                return None
        try:
            viewer = await self._viewer()
            source_id, emails = self.edit_source_id, list(self.edit_emails)
            await run_db(
                lambda s: service.update_reminders(
                    s,
                    workspace_id=viewer.workspace_id,
                    user_id=viewer.user_id,
                    source_id=source_id,
                    emails=emails,
                )
            )
            await self._announce()
        except ServiceError as exc:
            self.edit_error = exc.message
            return None
        self.edit_source_id = 0
        return rx.toast.success("Reminder addresses saved.")
