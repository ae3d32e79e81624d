"""What people read: subjects, buttons, links, and nothing a workspace name can inject."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from archive_app.mail.disconnection import disconnection_message
from archive_app.mail.messages import (
    invite_message,
    reminder_message,
)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: dict[str, str] = {}
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")

    def handle_data(self, data: str) -> None:
        if self._href is not None and data.strip():
            self.links[data.strip()] = self._href

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._href = None


def links(html: str) -> dict[str, str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def _disconnection(**overrides: str):
    args = {
        "to": "owner@brand.example",
        "workspace_name": "Brand",
        "source_handle": "brandofficial",
        "source_kind_name": "TikTok Account v.1",
        "reason": "Access was revoked in the TikTok app",
        "reconnect_url": "http://localhost:3000/settings/sources/3/reconnect",
        "help_url": "https://help.archive.local/connecting-tiktok",
    }
    args.update(overrides)
    return disconnection_message(**args)


def test_disconnection_mail_has_the_exact_subject_a_reconnect_button_and_the_help_link():
    message = _disconnection()
    assert message.subject == "[ACTION REQUIRED]: TikTok Reconnection Needed"
    assert message.to == "owner@brand.example"
    found = links(message.html)
    assert found["Reconnect"] == "http://localhost:3000/settings/sources/3/reconnect"
    assert "https://help.archive.local/connecting-tiktok" in found.values()
    for part in (message.text, message.html):
        assert "@brandofficial" in part
        assert "Access was revoked in the TikTok app" in part
        assert "Brand" in part
    assert "http://localhost:3000/settings/sources/3/reconnect" in message.text
    assert "https://help.archive.local/connecting-tiktok" in message.text


def test_people_supplied_values_are_escaped_in_html():
    message = _disconnection(
        workspace_name='<script>alert("x")</script>', reason="a & b <img src=x>"
    )
    assert "<script>" not in message.html
    assert "&lt;script&gt;" in message.html
    # the one image is our embedded logo, never one from a value
    assert message.html.count("<img") == 1 and '<img src="cid:archive-logo.png"' in message.html
    assert "a &amp; b" in message.html
    assert '<script>alert("x")</script>' in message.text  # plain text shows it as written


def test_a_link_that_is_not_http_is_refused():
    with pytest.raises(ValueError, match="http"):
        _disconnection(reconnect_url="javascript:alert(1)")


def test_newlines_in_a_workspace_name_cannot_inject_headers():
    message = invite_message(
        workspace_name="Brand\r\nBcc: victim@example.com",
        inviter_email="owner@brand.example",
        accept_url="http://localhost:3000/invite/abc",
        to="new@brand.example",
    )
    assert "\n" not in message.subject and "\r" not in message.subject
    assert message.subject == "You're invited to Brand Bcc: victim@example.com on Archive"


def test_invite_mail_names_the_workspace_and_inviter_and_links_to_accept():
    message = invite_message(
        workspace_name="Brand",
        inviter_email="owner@brand.example",
        accept_url="http://localhost:3000/invite/abc?x=1&y=2",
        to="new@brand.example",
    )
    assert message.subject == "You're invited to Brand on Archive"
    assert "owner@brand.example" in message.text and "owner@brand.example" in message.html
    assert links(message.html)["Accept invitation"] == "http://localhost:3000/invite/abc?x=1&y=2"
    assert "x=1&amp;y=2" in message.html  # the href itself is escaped


@pytest.mark.parametrize(("days", "phrase"), [(30, "30 days"), (7, "7 days"), (1, "1 day")])
def test_reminder_says_how_many_days_are_left(days: int, phrase: str):
    message = reminder_message(
        to="ops@brand.example",
        workspace_name="Brand",
        source_handle="@brandofficial",
        days_left=days,
        deadline_at=datetime(2027, 5, 22, 9, 30, tzinfo=UTC),
        reconnect_url="http://localhost:3000/settings/sources/3/reconnect",
    )
    assert message.subject == f"Reconnect @brandofficial to Archive within {phrase}"
    assert "May 22, 2027 at 09:30 UTC" in message.text
    assert "May 22, 2027 at 09:30 UTC" in message.html
    assert links(message.html)["Reconnect"].endswith("/settings/sources/3/reconnect")


def test_reminder_refuses_a_naive_deadline():
    with pytest.raises(ValueError, match="aware"):
        reminder_message(
            to="ops@brand.example",
            workspace_name="Brand",
            source_handle="brandofficial",
            days_left=3,
            deadline_at=datetime(2027, 5, 22, 9, 30),
            reconnect_url="http://localhost:3000/r",
        )
