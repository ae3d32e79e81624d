"""The Feed (and a creator's page, which shows the same cards for one creator).

The URL is the filter: the form turns its fields into a query string and navigates there, and
``load`` reads the query again (so a filtered view can be shared, and Back works). Values that
make no sense are ignored with a fixed note (services/feed.parse_filters). New mentions arrive
as ``mentions_changed`` (live.Topic.mentions): the tab counts the new ones that match its
filter and shows "N new mentions"; a changed request (Topic.rights) refreshes the badges.
Every handler re-reads the viewer; the cards are display vars and decide nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import reflex as rx

from archive_app import deps, paths
from archive_app.services.mentions import feed as feed_service
from archive_app.services.mentions import feed_live
from archive_app.services.mentions.feed import RIGHTS_LABELS, FeedFilter
from archive_app.services.mentions.feed_load import (
    FeedCounts,
    count_feed,
    counts_later,
    load_feed,
)
from archive_app.services.rights import creators as creator_service
from archive_app.services.rights.query import MAX_VIDEOS
from archive_app.states.args import id_arg
from archive_app.states.base import AppState
from archive_app.states.feed_views import (
    CardView,
    OptionView,
    card_view,
    chart_points,
    chart_summary,
    form_defaults,
    form_query,
    mentions_text,
    source_choices,
)
from archive_app.states.rights_request import RightsRequestState


def _now() -> datetime:
    return deps.current().clock.now()


class FeedState(AppState):
    cards: list[CardView] = []
    has_more: bool = False
    loaded: bool = False
    loading_more: bool = False
    notes: list[str] = []
    gaps: list[str] = []
    chart: list[dict[str, Any]] = []
    chart_text: str = ""
    # The list's total ("36 mentions"): the same filter as the cards, every page.
    total_text: str = ""
    # A search's cards show first; its total, chart and gaps follow (count_mentions).
    counting: bool = False
    source_options: list[OptionView] = []
    form: dict[str, str] = {}
    # Changes whenever the filter does: the form is re-drawn with the new values.
    form_key: str = ""
    filtered: bool = False
    new_count: int = 0
    selected: list[int] = []
    selected_handle: str = ""
    # A creator's page: the creator's handle ("" on the Feed).
    creator_handle: str = ""
    _filters: dict[str, str] = {}
    _creator_id: int = 0
    _cursor: str = ""
    _newest_id: int = 0

    def _filter(self) -> FeedFilter:
        filters, _ = feed_service.parse_filters(self._filters)
        return replace(filters, creator_id=self._creator_id or None)

    def _page_path(self) -> str:
        return paths.creator(self.creator_handle) if self.creator_handle else paths.FEED

    def _on_my_page(self) -> bool:
        path = self.router.url.path.rstrip("/") or "/"
        if self.creator_handle:
            return path == self._page_path()
        return path in (paths.FEED, "/")

    @rx.event
    async def load(self) -> Any:
        """on_load of the Feed and of a creator's page (after the guard)."""
        self.loaded = False
        self.cards, self.selected, self.selected_handle, self.new_count = [], [], "", 0
        if not self.signed_in:
            return
        viewer = await self._viewer()
        path = self.router.url.path.rstrip("/")
        self.creator_handle, self._creator_id = "", 0
        if path.startswith(paths.CREATORS + "/"):
            handle = path.removeprefix(paths.CREATORS + "/")
            creator = await deps.run_db(
                lambda s: creator_service.creator_ref(
                    s, workspace_id=viewer.workspace_id, user_id=viewer.user_id, handle=handle
                )
            )
            if creator is None:
                self.loaded = True  # no cards: CreatorState says "not found", with a way back
                return None
            self._creator_id, self.creator_handle = creator
        filters, notes = feed_service.parse_filters(dict(self.router.url.query_parameters))
        self._filters = filters.query()
        later = await self._read(viewer, notes)
        self.loaded = True
        return later

    async def _read(self, viewer: Any, notes: list[str]) -> Any:
        """The first page, the total and the chart, all from the one filter in force; for a
        search the total, chart and gaps come after the cards (the event returned)."""
        now, filters = _now(), self._filter()
        later = counts_later(filters)
        view = await deps.run_db(
            lambda s: load_feed(
                s,
                workspace_id=viewer.workspace_id,
                user_id=viewer.user_id,
                filters=filters,
                now=now,
                overview=not self.creator_handle,
                counted=not later,
            )
        )
        self._filters = view.filters.query()
        self.notes = [*notes, *view.notes]
        self.source_options = source_choices(view.sources)
        self.form = form_defaults(view.filters)
        self.form_key = urlencode(self._filters) or "all"
        self.filtered = bool(self._filters)
        self._show_page(view.page, append=False)
        self.counting = view.counts is None
        if view.counts is None:
            self.gaps, self.chart, self.chart_text = [], [], ""
            self.total_text = "Counting mentions…"
            return FeedState.count_mentions
        self._show_counts(view.counts)
        return None

    def _show_counts(self, counts: FeedCounts) -> None:
        self.gaps = list(counts.gaps)
        self.chart = chart_points(counts.days)
        self.chart_text = chart_summary(counts.days, counts.total)
        self.total_text = mentions_text(counts.total)
        self.counting = False

    @rx.event
    async def count_mentions(self) -> None:
        """The total, chart and gaps of the filter in force, after its cards (``_read``)."""
        if not self.counting:
            return
        if (viewer := await self._viewer_or_none()) is None:
            return
        now, filters = _now(), self._filter()
        counts = await deps.run_db(
            lambda s: count_feed(
                s,
                workspace_id=viewer.workspace_id,
                user_id=viewer.user_id,
                filters=filters,
                now=now,
                overview=not self.creator_handle,
            )
        )
        self._show_counts(counts)

    def _show_page(self, page: feed_service.FeedPage, *, append: bool) -> None:
        embed = deps.current().settings.tiktok_embed_url
        cards = [card_view(r, embed_url=embed) for r in page.rows]
        self.cards = [*self.cards, *cards] if append else cards
        self._cursor = page.next_cursor
        self.has_more = bool(page.next_cursor)
        if not append:
            self._newest_id = page.newest_id

    async def _page(self, cursor: str) -> feed_service.FeedPage:
        viewer = await self._viewer()
        filters = self._filter()
        return await deps.run_db(
            lambda s: feed_service.feed_page(
                s,
                workspace_id=viewer.workspace_id,
                user_id=viewer.user_id,
                filters=filters,
                cursor=cursor,
            )
        )

    @rx.event
    async def load_more(self) -> Any:
        if not self._cursor or self.loading_more:
            return None
        self.loading_more = True
        try:
            self._show_page(await self._page(self._cursor), append=True)
        finally:
            self.loading_more = False
        return None

    @rx.event
    def apply_filters(self, form: dict[str, Any]) -> Any:
        """The filter form: its fields become the page's URL, which ``load`` reads."""
        query = form_query(form)
        filters, _ = feed_service.parse_filters(query)
        target = self._page_path()
        encoded = urlencode(filters.query())
        return rx.redirect(f"{target}?{encoded}" if encoded else target)

    @rx.event
    async def show_new(self) -> Any:
        """The "N new mentions" banner: the first page again, newest first, with the total and
        the chart read again (they answer the same filter as the cards)."""
        self.new_count = 0
        _, notes = feed_service.parse_filters(dict(self.router.url.query_parameters))
        return await self._read(await self._viewer(), notes)

    @rx.event
    async def mentions_changed(self) -> None:
        """live.Topic.mentions: count the new mentions this tab's filter would show."""
        if not self.loaded or not self._on_my_page():
            return
        if (viewer := await self._viewer_or_none()) is None:
            return
        filters, after = self._filter(), self._newest_id
        self.new_count = await deps.run_db(
            lambda s: feed_live.count_new(
                s,
                workspace_id=viewer.workspace_id,
                user_id=viewer.user_id,
                filters=filters,
                after_id=after,
            )
        )

    @rx.event
    async def rights_changed(self) -> None:
        """live.Topic.rights: the badges of the cards on show, read again."""
        if not self.loaded or not self.cards or not self._on_my_page():
            return
        if (viewer := await self._viewer_or_none()) is None:
            return
        ids = [c.id for c in self.cards]
        statuses = await deps.run_db(
            lambda s: feed_live.rights_of(
                s, workspace_id=viewer.workspace_id, user_id=viewer.user_id, mention_ids=ids
            )
        )
        for card in self.cards:
            status = statuses.get(card.id, card.rights_status)
            card.rights_status, card.rights_label = status, RIGHTS_LABELS.get(status, "")
        self.cards = list(self.cards)

    @rx.event
    def toggle_select(self, mention_id: int) -> Any:
        """Select videos of one creator for one request ("request for selected")."""
        mention_id = id_arg(mention_id)
        card = next((c for c in self.cards if c.id == mention_id), None)
        if card is None:
            return None
        if mention_id in self.selected:
            self.selected = [i for i in self.selected if i != mention_id]
            if not self.selected:
                self.selected_handle = ""
            return None
        if self.selected and card.creator_handle != self.selected_handle:
            self.selected, self.selected_handle = [mention_id], card.creator_handle
            return rx.toast.info(
                "One request is for one creator: started a new selection of "
                f"@{card.creator_handle}.",
                id="feed-selection",
            )
        if len(self.selected) >= MAX_VIDEOS:
            return rx.toast.error(f"One request can cover at most {MAX_VIDEOS} videos.")
        self.selected = [*self.selected, mention_id]
        self.selected_handle = card.creator_handle
        return None

    @rx.event
    def clear_selection(self) -> None:
        self.selected, self.selected_handle = [], ""

    @rx.event
    def request_selected(self) -> Any:
        """Opens the "Looking for usage rights?" window for the selected videos."""
        if not self.selected:
            return None
        return RightsRequestState.open_request(list(self.selected))
