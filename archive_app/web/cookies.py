"""Reading our cookies from a raw ``Cookie`` header: the routes that set them and the States
(which only see the websocket's headers) read them the same way."""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

SESSION_COOKIE = "archive_session"
SIGNUP_COOKIE = "archive_signup"
SIGNUP_COOKIE_PATH = "/auth/signup"


def read_cookie(cookie_header: str | None, name: str) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None


def read_session_cookie(cookie_header: str | None) -> str | None:
    return read_cookie(cookie_header, SESSION_COOKIE)
