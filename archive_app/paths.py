"""Every page's path, once: pages are registered, linked and redirected to by these names."""

from __future__ import annotations

from urllib.parse import quote

LOGIN = "/login"
SIGNUP = "/signup"
FORGOT = "/forgot"  # "Forgot password?": ask for a reset link
RESET = "/reset"  # + "/<token>": the emailed link that sets a new password
# + "/<token>": the link mailed to a new profile address; its page posts the change
EMAIL_CONFIRM = "/email/confirm"
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


def rights_proof(request_id: int) -> str:
    """The proof of a creator's answer to one request (Manage Rights' `Proof` link)."""
    return f"{RIGHTS}/{request_id}/proof"
