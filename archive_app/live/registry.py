"""Which tabs are open on this worker, and which tokens can be tabs at all.

Kept apart from Reflex: the registry is plain data (workspace → tab → session hash), so it is
tested without a server, and the token check is shared by the socket guard and
:func:`archive_app.live.register_tab`.
"""

from __future__ import annotations

import re

# Reflex's browser client makes tab tokens with generateUUID(): 8-4-4-4-12 lowercase hex with
# the version digit 4, and the variant digit anywhere in 8-f (so often not RFC 4122).
_TAB_TOKEN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}")


def is_tab_token(token: object) -> bool:
    return isinstance(token, str) and _TAB_TOKEN.fullmatch(token) is not None


class MemoryTabs:
    """This worker's open tabs: workspace → tab token → the SHA-256 of the tab's session."""

    def __init__(self) -> None:
        self._by_workspace: dict[int, dict[str, str]] = {}
        self._workspace_of: dict[str, int] = {}

    async def add(self, tab: str, *, workspace_id: int, session_hash: str) -> None:
        await self.remove(tab)
        self._by_workspace.setdefault(workspace_id, {})[tab] = session_hash
        self._workspace_of[tab] = workspace_id

    async def remove(self, tab: str) -> None:
        workspace_id = self._workspace_of.pop(tab, None)
        if workspace_id is not None:
            tabs = self._by_workspace.get(workspace_id, {})
            tabs.pop(tab, None)
            if not tabs:
                self._by_workspace.pop(workspace_id, None)

    async def tabs(self, workspace_id: int) -> dict[str, str]:
        return dict(self._by_workspace.get(workspace_id, {}))

    async def count(self) -> int:
        return len(self._workspace_of)
