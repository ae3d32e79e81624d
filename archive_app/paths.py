"""Every page's path, once: pages are registered, linked and redirected to by these names."""

from __future__ import annotations

from urllib.parse import quote

LOGIN = "/login"
SIGNUP = "/signup"
FEED = "/feed"
RIGHTS = "/rights"
SOURCES = "/settings/sources"
TEAM = "/settings/team"
PROFILE = "/settings/profile"
INVITE = "/invite"
CREATORS = "/creators"


def reconnect(source_id: int) -> str:
    """Settings → Sources, straight into the reconnect flow of one source."""
    return f"{SOURCES}?reconnect={source_id}"


def creator(handle: str) -> str:
    """A creator's page (Social Profiles → @handle)."""
    return f"{CREATORS}/{quote(handle, safe='')}"
