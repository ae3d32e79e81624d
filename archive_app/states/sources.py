"""Settings → Sources: the list (pushed to every tab of the workspace) and per-source actions.

The connect wizard is ``states/sources_wizard.py``; a v.1 source's reminder addresses are
edited in ``states/reminders.py``. This state's ``load`` runs on every visit of the page.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from archive_app import deps
from archive_app.services.errors import ServiceError
from archive_app.services.sources import connect
from archive_app.states.args import id_arg
from archive_app.states.assign import set_changed
from archive_app.states.base import AppState
from archive_app.states.flash import take_flash
from archive_app.states.reminders import ReminderEditorState
from archive_app.states.source_views import find_source, query_id
from archive_app.states.sources_wizard import ConnectWizardState

GONE = "That source is no longer in this workspace."


class SourcesState(AppState):
    page_error: str = ""
    _seen_flash: str = ""

    @rx.event
    async def load(self) -> Any:
        query = self.router.url.query_parameters
        flash = take_flash(self)
        set_changed(self, page_error=flash.error if flash else "")
        # Tab state outlives a page load (e.g. the trip to TikTok's consent page and back):
        # a wizard or an editor left open then is over. (Only what differs is set: an
        # unchanged state is neither sent nor saved again.)
        wizard = await self.get_state(ConnectWizardState)
        wizard._reset_wizard()
        set_changed(
            wizard,
            flash="",
            flash_source_id=0,
            simulated=deps.current().settings.dev_routes_enabled,
        )
        editor = await self.get_state(ReminderEditorState)
        set_changed(editor, edit_source_id=0)
        if not self.signed_in:
            return None  # the guard before this handler sent the tab to /login
        if (reconnect := query_id(query, "reconnect")) is not None:
            # the Reconnect button of an alert email, or Connect Now
            row = await find_source(self, reconnect)
            if row is None:
                self.page_error = GONE
                return None
            if row.connects_by_qr:
                wizard._open_reconnect(row)
                return None
            # v.2 reconnects on TikTok's consent page: a full page load, not client-side routing.
            return rx.call_script(
                f"window.location.assign('/oauth/tiktok/v2/start?source={row.source_id}')"
            )
        if (connected := query_id(query, "connected")) is not None and (
            row := await find_source(self, connected)
        ):
            # Only what the page says: the poll of its mentions was asked for where the
            # connection completed (api/oauth.py, the QR wizard), once. A page load never
            # starts one: anyone can load this address as often as they like.
            wizard._show_connected(row.source_id, row.handle)
            self.page_error = ""  # the new outcome replaces an older one (a cancel, say)
        return None

    @rx.event
    async def disconnect(self, source_id: int) -> Any:
        source_id = id_arg(source_id)
        viewer = await self._viewer()  # no session: on_handler_error sends it to log in
        try:
            async with self._acting():
                handle = await connect.disconnect(
                    deps.run_db,
                    deps.gateway_of,
                    workspace_id=viewer.workspace_id,
                    user_id=viewer.user_id,
                    source_id=source_id,
                    cipher=deps.current().cipher,
                    now=deps.current().clock.now(),
                )
        except ServiceError as exc:
            return rx.toast.error(exc.message)
        return rx.toast.success(f"Disconnected @{handle}. Its tokens were removed.")
