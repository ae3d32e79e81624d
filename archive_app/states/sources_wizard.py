"""Settings → Sources → `Add Source`: the connect wizard (both kinds) and reconnecting v.1.

The QR polling is a background event: it stops when the QR login ends, when the wizard is
closed or restarted, or when the tab goes away.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from enum import StrEnum
from typing import Any

import reflex as rx

from archive_app import deps, live
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.services.errors import ServiceError
from archive_app.services.sources import qr as connect_qr
from archive_app.services.sources.qr_image import qr_data_url
from archive_app.states.args import id_arg, text_arg
from archive_app.states.assign import set_changed
from archive_app.states.base import AppState
from archive_app.states.source_views import MAX_TYPED, SourceView, add_reminder_chip, find_source

POLL_SECONDS = 1.0


class Step(StrEnum):
    """Where the wizard is; the page shows the matching panel ("" is closed)."""

    closed = ""
    choose = "choose"
    v1_intro = "v1_intro"
    reminders = "reminders"
    qr = "qr"
    consent = "consent"


class ConnectWizardState(AppState):
    step: str = Step.closed.value
    # "Connected @x. It is Active now." after a connection (QR here, or back from TikTok),
    # shown only while that source (flash_source_id) is still working (pages/sources.py).
    flash: str = ""
    flash_source_id: int = 0
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

    def _go(self, step: Step) -> None:
        self.step = step.value

    def _reset_wizard(self) -> None:
        # Every page load of Settings → Sources does this: only what is open changes.
        set_changed(
            self,
            step=Step.closed.value,
            attempt_id=0,  # the polling loop sees this and stops
            reconnect_source_id=0,
            reconnect_handle="",
            reminder_input="",
            reminder_error="",
            qr_image="",
            qr_phase="",
            qr_message="",
            qr_scan_url="",
            qr_loading=False,
        )

    def _show_connected(self, source_id: int, handle: str) -> None:
        self.flash = f"Connected @{handle}. It is Active now."
        self.flash_source_id = source_id

    def _open_reconnect(self, row: SourceView) -> None:
        """Reconnect a v.1 source: its reminder list, then a fresh QR code."""
        self._reset_wizard()
        self.reconnect_source_id = row.source_id
        self.reconnect_handle = row.handle
        self.reminder_emails = list(row.reminder_emails) or [self.email]
        self._go(Step.reminders)

    @rx.event
    def open_add(self) -> None:
        self._reset_wizard()
        self._go(Step.choose)

    @rx.event
    def close_wizard(self) -> None:
        self._reset_wizard()

    @rx.event
    def choose_v1(self) -> None:
        self._go(Step.v1_intro)
        self.reminder_emails = [self.email] if self.email else []

    @rx.event
    def setup_reminders(self) -> None:
        self._go(Step.reminders)

    @rx.event
    def choose_v2(self) -> None:
        self._go(Step.consent)

    @rx.event
    async def reconnect_v1(self, source_id: int) -> Any:
        row = await find_source(self, id_arg(source_id))
        if row is None:
            self._reset_wizard()
            return rx.toast.error("That source is no longer in this workspace.")
        self._open_reconnect(row)
        return None

    @rx.event
    def set_reminder_input(self, value: str) -> None:
        self.reminder_input = text_arg(value, limit=MAX_TYPED)
        self.reminder_error = ""

    @rx.event
    def add_reminder_email(self, _form: dict[str, Any] | None = None) -> None:
        self.reminder_emails, self.reminder_error = add_reminder_chip(
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
        self._go(Step.qr)
        yield
        try:
            viewer = await self._viewer()
            progress = await connect_qr.start_qr(
                deps.run_db,
                deps.current().gateway(Kind.tiktok_v1),
                workspace_id=viewer.workspace_id,
                user_id=viewer.user_id,
                reminder_emails=list(self.reminder_emails),
                now=deps.current().clock.now(),
                source_id=self.reconnect_source_id or None,
            )
        except ServiceError as exc:
            self._go(Step.reminders)
            self.qr_loading = False
            self.reminder_error = exc.message
            return
        self._show_progress(progress)
        if progress.phase != connect_qr.QrPhase.failed:
            yield ConnectWizardState.watch_qr
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
                deps.current().gateway(Kind.tiktok_v1),
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
        return ConnectWizardState.connect_tiktok

    @rx.event(background=True)
    async def watch_qr(self) -> Any:
        async with self:
            attempt_id = self.attempt_id
            was_scanned = self.qr_phase == "scanned"
        if (viewer := await self._viewer_or_none()) is None:
            return
        gateway, cipher = deps.current().gateway(Kind.tiktok_v1), deps.current().cipher
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
                links=deps.current().links,
                was_scanned=was_scanned,
            )
            was_scanned = progress.phase == connect_qr.QrPhase.scanned
            async with self:
                if self.attempt_id != attempt_id:
                    return
                if progress.phase == connect_qr.QrPhase.connected:
                    # The SourceConnected event already showed it in every open tab (this
                    # one too: a background task holds no lock while it polls) and asked
                    # for its mentions now, once.
                    self._reset_wizard()
                    row = await find_source(self, progress.source_id or 0)
                    if row is not None:
                        self._show_connected(row.source_id, row.handle)  # no toast too
                    return None
                self._show_progress(progress)
                if progress.phase in (connect_qr.QrPhase.denied, connect_qr.QrPhase.failed):
                    return None
        return None
