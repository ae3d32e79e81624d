"""Build the mails Archive sends. Building is pure; sending is ``mail/sender.py``.

Every message has a plain-text and an HTML version with the same content. Every value that
comes from people (workspace names, handles, reasons) is HTML-escaped, and every link must be
http(s): a workspace called ``<script>`` or a ``javascript:`` URL stays inert.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from archive_app import dates

# The disconnection mail itself is built in ``disconnection.py``.
DISCONNECTION_SUBJECT = "[ACTION REQUIRED]: TikTok Reconnection Needed"


@dataclass(frozen=True)
class EmailMessage:
    to: str
    subject: str
    text: str
    html: str


def invite_message(
    *,
    workspace_name: str,
    inviter_email: str,
    accept_url: str,
    to: str,
    has_account: bool = False,
) -> EmailMessage:
    """Only the mailbox's owner reads this. An address that has an account logs in first (the
    invitation never asks for its password); a new one chooses a password when accepting."""
    name = _one_line(workspace_name)
    inviter = _one_line(inviter_email)
    intro = f"{inviter} invited you to join {name} on Archive."
    password_hint = (
        "You already have an Archive account with this address: log in as usual, then accept."
        if has_account
        else "You will choose a password when you accept."
    )
    text = "\n\n".join(
        [
            intro,
            "Archive helps your team find every TikTok video that mentions your brand and "
            "request the rights to use it.",
            password_hint,
            f"Accept the invitation: {accept_url}",
            "If you did not expect this invitation, you can ignore this email.",
        ]
    )
    body = (
        _p(f"{_e(inviter)} invited you to join <strong>{_e(name)}</strong> on Archive.")
        + _p(
            "Archive helps your team find every TikTok video that mentions your brand and "
            "request the rights to use it."
        )
        + _p(_e(password_hint))
        + _button("Accept invitation", accept_url)
        + _small("If you did not expect this invitation, you can ignore this email.")
    )
    return EmailMessage(
        to=_one_line(to),
        subject=f"You're invited to {name} on Archive",
        text=text + "\n",
        html=_layout(f"You're invited to {name}", body),
    )


SIGNUP_SUBJECT = "Finish creating your Archive account"


def signup_confirm_message(
    *, to: str, workspace_name: str, confirm_url: str, lifetime_hours: int
) -> EmailMessage:
    """The link that creates the account and workspace typed on the sign-up form."""
    name = _one_line(workspace_name)
    text = "\n\n".join(
        [
            f"Someone (we hope you) asked to create the Archive workspace {name} with this "
            "address.",
            f"Create it: {confirm_url}",
            f"Open the link in the same browser you signed up in, within {lifetime_hours} "
            "hours. It works once.",
            "If this wasn't you, ignore this email: nothing is created without this link.",
        ]
    )
    body = (
        _p(
            "Someone (we hope you) asked to create the Archive workspace "
            f"<strong>{_e(name)}</strong> with this address."
        )
        + _button("Create my workspace", confirm_url)
        + _p(
            f"Open the link in the same browser you signed up in, within {lifetime_hours} "
            "hours. It works once."
        )
        + _small("If this wasn't you, ignore this email: nothing is created without this link.")
    )
    return EmailMessage(
        to=_one_line(to),
        subject=SIGNUP_SUBJECT,
        text=text + "\n",
        html=_layout(SIGNUP_SUBJECT, body),
    )


def signup_account_exists_message(*, to: str, login_url: str) -> EmailMessage:
    """Sent instead of a sign-up link when the address already has an account: the sign-up
    page said "check your email" either way, and only the owner of the mailbox learns this."""
    text = "\n\n".join(
        [
            "Someone tried to create an Archive account with this address, but you already "
            "have one.",
            f"Log in: {login_url}",
            "If this wasn't you, you can ignore this email: nothing was changed.",
        ]
    )
    body = (
        _p(
            "Someone tried to create an Archive account with this address, but you already "
            "have one."
        )
        + _button("Log in", login_url)
        + _small("If this wasn't you, you can ignore this email: nothing was changed.")
    )
    return EmailMessage(
        to=_one_line(to),
        subject=SIGNUP_SUBJECT,
        text=text + "\n",
        html=_layout(SIGNUP_SUBJECT, body),
    )


def reminder_message(
    *,
    to: str,
    workspace_name: str,
    source_handle: str,
    days_left: int,
    deadline_at: datetime,
    reconnect_url: str,
) -> EmailMessage:
    name = _one_line(workspace_name)
    handle = _handle(source_handle)
    # Calendar days, as the Sources row counts them (services/sources/reminder_schedule.py).
    within = f"within {_days(days_left)}" if days_left > 0 else "today"
    when = f"in {_days(days_left)}" if days_left > 0 else "today"
    deadline = _deadline(deadline_at)
    policy = (
        "Due to TikTok's security policies, TikTok v.1 connections must be renewed every "
        "180 days. Reconnect now to keep finding mentions and sending messages without a gap."
    )
    text = "\n\n".join(
        [
            f"The TikTok account {handle} connected to {name} on Archive will be disconnected "
            f"on {deadline}, {when}.",
            policy,
            f"Reconnect: {reconnect_url}",
            "You receive this reminder because your address was added under Set Up Reminders "
            "when this account was connected.",
        ]
    )
    body = (
        _p(
            f"The TikTok account <strong>{_e(handle)}</strong> connected to "
            f"<strong>{_e(name)}</strong> on Archive will be disconnected on "
            f"<strong>{_e(deadline)}</strong>, {_e(when)}."
        )
        + _p(policy)
        + _button("Reconnect", reconnect_url)
        + _small(
            "You receive this reminder because your address was added under Set Up Reminders "
            "when this account was connected."
        )
    )
    return EmailMessage(
        to=_one_line(to),
        subject=f"Reconnect {handle} to Archive {within}",
        text=text + "\n",
        html=_layout(f"Reconnect {handle} {within}", body),
    )


# --- helpers -------------------------------------------------------------------------------

_WHITESPACE = re.compile(r"\s+")


def _one_line(value: str) -> str:
    """Headers cannot hold newlines (header injection); collapse all whitespace."""
    return _WHITESPACE.sub(" ", value).strip()


def _handle(value: str) -> str:
    return "@" + _one_line(value).lstrip("@")


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _deadline(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("deadline_at must be an aware datetime")
    return dates.day_time(at)


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def _href(url: str) -> str:
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"mail links must be http(s) URLs, got {url!r}")
    return _e(url)


def _p(inner_html: str) -> str:
    return f'<p style="margin:0 0 16px;">{inner_html}</p>\n'


def _small(inner_html: str) -> str:
    return f'<p style="margin:24px 0 0;font-size:12px;color:#6b7280;">{inner_html}</p>\n'


def _button(label: str, url: str) -> str:
    # A table-wrapped link: the one button shape every mail client renders.
    return (
        '<table role="presentation" cellpadding="0" cellspacing="0" style="margin:24px 0;">'
        '<tr><td style="border-radius:8px;background:#111827;">'
        f'<a href="{_href(url)}" style="display:inline-block;padding:14px 32px;'
        "font-size:18px;font-weight:600;color:#ffffff;text-decoration:none;"
        f'border-radius:8px;">{_e(label)}</a>'
        "</td></tr></table>\n"
    )


def _layout(title: str, body_html: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title></head>\n"
        '<body style="margin:0;padding:24px;background:#f3f4f6;'
        'font-family:Helvetica,Arial,sans-serif;color:#111827;line-height:1.5;">\n'
        '<div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:12px;'
        'padding:32px;">\n'
        '<p style="margin:0 0 24px;"><img src="cid:archive-logo.png" alt="Archive" '
        'width="160" height="40" style="display:block;border:0;"></p>\n'
        f"{body_html}"
        "</div>\n</body></html>\n"
    )
