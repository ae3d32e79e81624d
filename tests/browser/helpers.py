"""Helpers shared by the browser tests."""

from __future__ import annotations

import re
from email.message import Message


def body_text(message: Message) -> str:
    parts = message.walk() if message.is_multipart() else [message]
    return "\n".join(
        p.get_payload(decode=True).decode(p.get_content_charset() or "utf-8", "replace")
        for p in parts
        if p.get_content_maintype() == "text"
    )


def log_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(at("/feed"))


def at(path: str) -> re.Pattern[str]:
    """The app's static pages answer with a trailing slash; either form is the same page."""
    return re.compile(re.escape(path) + r"/?(\?.*)?$")
