"""Social Profiles: the list of creators (``CreatorsState``) and a creator's header on their
page (``CreatorState``; the cards below it are ``FeedState``'s)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import reflex as rx

from archive_app import dates, deps, paths
from archive_app.services.rights import creators as service
from archive_app.services.rights.creators import CreatorRow
from archive_app.states.args import BadEventArgs, text_arg
from archive_app.states.base import AppState
from archive_app.states.feed_views import compact

SEARCH_LIMIT = 64


@dataclass
class CreatorView:
    handle: str = ""
    href: str = ""
    display_name: str = ""
    avatar_url: str = ""
    mentions: str = ""
    last_mention: str = ""
    dm_label: str = ""
    dm_learned: str = ""
    rights_summary: str = ""
    median_response: str = ""  # their page: "Median response time: 3 hours (2 answers)"


def _span(value: timedelta) -> str:
    """A duration in the unit a person would say: minutes, hours (from 2), days (from 2)."""
    minutes = max(int(value.total_seconds() // 60), 0)
    n, unit = minutes, "minute"
    if minutes >= 2 * 24 * 60:
        n, unit = round(minutes / (24 * 60)), "day"
    elif minutes >= 2 * 60:
        n, unit = round(minutes / 60), "hour"
    return f"{n} {unit}{'' if n == 1 else 's'}"


def median_text(row: CreatorRow) -> str:
    if row.median_response is None:
        return ""
    answers = f"{row.answered} answer{'' if row.answered == 1 else 's'}"
    return f"Median response time: {_span(row.median_response)} ({answers})"


def creator_view(row: CreatorRow) -> CreatorView:
    count = compact(row.mention_count)
    return CreatorView(
        handle=row.handle,
        href=paths.creator(row.handle),
        display_name=row.display_name,
        avatar_url=row.avatar_url,
        mentions=f"{count} mention{'' if row.mention_count == 1 else 's'}",
        last_mention=dates.day(row.last_mention_at) if row.last_mention_at else "",
        dm_label=row.dm_label,
        dm_learned=("learned " + dates.day(row.dm_learned_at) if row.dm_learned_at else ""),
        rights_summary=row.rights_summary or "No requests yet",
        median_response=median_text(row),
    )


class CreatorsState(AppState):
    rows: list[CreatorView] = []
    has_more: bool = False
    loaded: bool = False
    search: str = ""
    _cursor: str = ""

    async def _read(self, cursor: str) -> tuple[list[CreatorRow], str]:
        viewer = await self._viewer()
        search = self.search
        return await deps.run_db(
            lambda s: service.list_creators(
                s,
                workspace_id=viewer.workspace_id,
                user_id=viewer.user_id,
                search=search,
                cursor=cursor,
            )
        )

    @rx.event
    async def load(self) -> None:
        self.loaded = False
        self.rows = []
        if not self.signed_in:
            return
        self.search = " ".join(self.router.url.query_parameters.get("q", "").split())[:SEARCH_LIMIT]
        rows, self._cursor = await self._read("")
        self.rows = [creator_view(r) for r in rows]
        self.has_more = bool(self._cursor)
        self.loaded = True

    @rx.event
    async def load_more(self) -> None:
        if not self._cursor:
            return
        rows, self._cursor = await self._read(self._cursor)
        self.rows = [*self.rows, *(creator_view(r) for r in rows)]
        self.has_more = bool(self._cursor)

    @rx.event
    def apply_search(self, form: dict[str, Any]) -> Any:
        if not isinstance(form, dict):
            raise BadEventArgs("expected the search form")
        search = " ".join(text_arg(form.get("q", ""), limit=200).split())[:SEARCH_LIMIT]
        query = urlencode({"q": search}) if search else ""
        return rx.redirect(f"{paths.CREATORS}?{query}" if query else paths.CREATORS)


class CreatorState(AppState):
    """The header of a creator's page: who they are and what is known of them."""

    creator: CreatorView = CreatorView()
    found: bool = False
    loaded: bool = False

    @rx.event
    async def load(self) -> None:
        self.loaded, self.found = False, False
        if not self.signed_in:
            return
        viewer = await self._viewer()
        handle = self.router.url.path.rstrip("/").removeprefix(paths.CREATORS + "/")
        row = await deps.run_db(
            lambda s: service.find_creator(
                s, workspace_id=viewer.workspace_id, user_id=viewer.user_id, handle=handle
            )
        )
        if row is not None:
            self.creator, self.found = creator_view(row), True
        self.loaded = True
