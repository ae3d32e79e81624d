"""Manage Rights' `Remove request` (asked first: ``forms.confirm_button``): the request leaves
the table and its link says it was withdrawn; the row and its history stay."""

from __future__ import annotations

from typing import Any

import reflex as rx

from archive_app import deps
from archive_app.services.errors import ServiceError
from archive_app.services.rights import manage as service
from archive_app.states.args import id_arg
from archive_app.states.base import AppState
from archive_app.states.rights import RightsState


class RightsRemoveState(AppState):
    @rx.event
    async def remove_request(self, request_id: int) -> Any:
        request_id = id_arg(request_id)
        viewer = await self._viewer()  # no session: on_handler_error sends it to log in
        now = deps.current().clock.now()
        try:
            async with self._acting():  # RightsChanged: every open tab re-reads its rights
                removed = await deps.run_db(
                    lambda s: service.remove_request(
                        s,
                        workspace_id=viewer.workspace_id,
                        user_id=viewer.user_id,
                        request_id=request_id,
                        now=now,
                    )
                )
        except ServiceError as exc:
            return rx.toast.error(exc.message, id="rights")
        rights = await self.get_state(RightsState)
        handle = next((r.creator_handle for r in rights.rows if r.request_id == removed.id), "")
        await rights._reload_or_clear()
        who = f" to @{handle}" if handle else ""
        return rx.toast.success(
            f"Request{who} removed. Its link now says the request was withdrawn.", id="rights"
        )
