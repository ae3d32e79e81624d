"""The "Looking for usage rights?" window: one per page (Feed, a creator's page), opened by the
button on any card with that card's video (or several selected videos of one creator).

Everything shown is a display var. Submitting re-reads the viewer from the cookie and hands
the service only the ids and the text: which videos, which creator, which sending account and
whether the content may still be asked for are decided again from the database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from archive_app import deps
from archive_app.integrations.tiktok.kinds import Kind
from archive_app.models.rights import SPARK_DURATIONS_DAYS, RightsScope
from archive_app.services.errors import InvalidInput, ServiceError
from archive_app.services.rights import query, spark
from archive_app.services.rights import requests as service
from archive_app.services.rights import terms as rights_terms
from archive_app.services.rights.link import links_for
from archive_app.states.args import id_arg, ids_arg, text_arg
from archive_app.states.base import AppState
from archive_app.states.rights_request_terms import RequestTermsState

USAGE, SPARK = RightsScope.usage_rights.value, RightsScope.spark_code.value

TYPED_LIMIT = 20_000  # far above MESSAGE_LIMIT: longer text is not something our page sends


@dataclass
class SenderView:
    source_id: str  # the select's value
    handle: str
    avatar_url: str


class RightsRequestState(AppState):
    request_open: bool = False
    request_mention_ids: list[int] = []
    request_creator: str = ""
    request_links: list[str] = []
    # The creator's link as the preview shows it (dots for the token made on submit).
    request_answer_url: str = ""
    request_message: str = ""
    request_error: str = ""
    request_saved_note: str = ""
    request_senders: list[SenderView] = []
    request_sender: str = ""
    request_brand_handle: str = ""
    request_brand_avatar: str = ""
    request_sending: bool = False
    # What is asked: "usage_rights", or "spark_code" for the days in ``request_spark_days``.
    request_scope: str = USAGE
    request_spark_days: str = str(spark.DEFAULT_SPARK_DAYS)

    @rx.var
    def request_length(self) -> str:
        used = len(query.dm_text(self.request_message, self.request_links, self.request_answer_url))
        return f"{used:,} / {query.MESSAGE_LIMIT:,} characters, links included"

    @rx.event
    async def open_request(self, mention_ids: list[int]) -> Any:
        """The card's button: open the window for these videos, if they can be asked for."""
        ids = ids_arg(mention_ids, limit=query.MAX_VIDEOS)
        viewer = await self._viewer()  # no session: on_handler_error sends it to log in
        return await self._open_window(
            lambda s: (
                query.request_window(
                    s, workspace_id=viewer.workspace_id, user_id=viewer.user_id, mention_ids=ids
                ),
                0,
            ),
            scope=USAGE,
        )

    @rx.event
    async def open_spark_request(self, mention_id: int) -> Any:
        """`Request Spark Ads Code` on a card: one TikTok video."""
        ids = [id_arg(mention_id)]
        viewer = await self._viewer()  # no session: on_handler_error sends it to log in
        return await self._open_window(
            lambda s: (
                spark.spark_window(
                    s, workspace_id=viewer.workspace_id, user_id=viewer.user_id, mention_ids=ids
                ),
                0,
            ),
            scope=SPARK,
        )

    @rx.event
    async def request_again(self, request_id: int) -> Any:
        """`Request again` (Manage Rights, an expired code): prefilled from that request."""
        request_id = id_arg(request_id)
        viewer = await self._viewer()  # no session: on_handler_error sends it to log in
        return await self._open_window(
            lambda s: spark.again_window(
                s, workspace_id=viewer.workspace_id, user_id=viewer.user_id, request_id=request_id
            ),
            scope=SPARK,
        )

    async def _open_window(
        self, read: Callable[[Session], tuple[query.RequestWindow, int]], *, scope: str
    ) -> Any:
        """Show the window ``read`` returns (with the Spark days to preselect, 0: default)."""
        viewer = await self._viewer()
        try:
            (window, days), terms = await deps.run_db(
                lambda s: (
                    read(s),
                    rights_terms.current_terms(
                        s, workspace_id=viewer.workspace_id, user_id=viewer.user_id
                    ),
                )
            )
        except ServiceError as exc:
            self.request_open = False
            return rx.toast.error(exc.message, id="rights-request")
        self.request_mention_ids = window.mention_ids
        self.request_creator = window.creator_handle
        self.request_links = window.links
        current = deps.current()
        self.request_answer_url = links_for(
            current.settings.public_url, current.cipher
        ).placeholder_url()
        self.request_message = window.message
        self.request_error = ""
        self.request_saved_note = ""
        self.request_senders = [
            SenderView(str(s.source_id), s.handle, s.avatar_url) for s in window.senders
        ]
        self.request_sender = self.request_senders[0].source_id if window.senders else ""
        self.request_brand_handle = window.brand_handle
        self.request_brand_avatar = window.brand_avatar
        self.request_sending = False
        self.request_scope = scope
        self.request_spark_days = str(days or spark.DEFAULT_SPARK_DAYS)
        (await self.get_state(RequestTermsState))._start(terms)
        self.request_open = True
        return None

    @rx.event
    def set_request_open(self, value: bool) -> None:
        """The dialog's own open/close (Escape, the close button, a click outside)."""
        if value is not True:
            self.request_open = False

    @rx.event
    def set_request_message(self, value: str) -> None:
        self.request_message = text_arg(value, limit=TYPED_LIMIT)
        self.request_error = ""
        self.request_saved_note = ""

    @rx.event
    def set_request_sender(self, value: str) -> None:
        value = text_arg(value, limit=20)
        for sender in self.request_senders:
            if sender.source_id == value:
                self.request_sender = value
                self.request_brand_handle = sender.handle
                self.request_brand_avatar = sender.avatar_url

    @rx.event
    def set_request_spark_days(self, value: str) -> None:
        """`Spark Ads Code Duration`: one of TikTok's durations (anything else is ignored)."""
        value = text_arg(value, limit=4)
        if value in {str(d) for d in SPARK_DURATIONS_DAYS}:
            self.request_spark_days = value

    @rx.event
    async def save_default_message(self) -> Any:
        """Save as Default Message: saved at once, for the whole workspace (a Spark Ads Code
        request has a default of its own)."""
        text, scope = self.request_message, self.request_scope
        viewer = await self._viewer()  # no session: on_handler_error sends it to log in
        try:
            now = deps.current().clock.now()
            await deps.run_db(
                lambda s: service.save_default_message(
                    s,
                    workspace_id=viewer.workspace_id,
                    user_id=viewer.user_id,
                    message=text,
                    now=now,
                    scope=scope,
                )
            )
        except InvalidInput as exc:
            self.request_error = exc.message
            return None
        except ServiceError as exc:
            return rx.toast.error(exc.message, id="rights-request")
        self.request_error = ""
        kind = "Spark Ads Code request" if scope == SPARK else "request"
        self.request_saved_note = (
            f"Saved as the default message. Every new {kind} in this workspace starts with it."
        )
        return None

    @rx.event
    async def submit_request(self) -> AsyncIterator[Any]:
        """Submit a Request: sent as a DM now, or In Queue with the reason (a toast says which)."""
        if self.request_sending:
            return
        ids = ids_arg(self.request_mention_ids, limit=query.MAX_VIDEOS)
        text = self.request_message
        sender = id_arg(self.request_sender) if self.request_sender else None
        scope = self.request_scope
        days = int(self.request_spark_days) if scope == SPARK else None
        terms = (await self.get_state(RequestTermsState))._choice()
        self.request_sending = True
        yield
        viewer = await self._viewer()  # no session: on_handler_error sends it to log in
        try:
            current = deps.current()
            async with self._acting():  # RightsChanged: every open tab re-reads its rights
                outcome = await service.submit_request(
                    deps.run_db,
                    workspace_id=viewer.workspace_id,
                    user_id=viewer.user_id,
                    mention_ids=ids,
                    message=text,
                    sender_source_id=sender,
                    now=current.clock.now(),
                    gateway=current.gateway(Kind.tiktok_v1),
                    cipher=current.cipher,
                    links=links_for(current.settings.public_url, current.cipher),
                    scope=scope,
                    spark_duration_days=days,
                    terms=terms,
                )
        except InvalidInput as exc:
            self.request_error = exc.message
            return
        except ServiceError as exc:
            yield rx.toast.error(exc.message, id="rights-request")
            return
        finally:
            self.request_sending = False  # whatever happened, the button works again
        self.request_open = False
        if outcome.sent:
            yield rx.toast.success(outcome.toast, id="rights-request")
        else:
            yield rx.toast.info(outcome.toast, id="rights-request", duration=12000)
