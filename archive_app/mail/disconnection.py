"""The ``[ACTION REQUIRED]`` mail: one per member per outage, listing every source that ended.

Sources of one workspace that end together (one TikTok account connected as v.1 and v.2 and
revoked once, or several deadlines crossed in one run) make one mail, with a ``Reconnect`` of
its own for each. What each source can no longer do is said by the caller from the kinds table
(``notes``): this module only writes it out. Building is pure; sending is ``sender.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from archive_app.mail.messages import (
    DISCONNECTION_SUBJECT,
    EmailMessage,
    _button,
    _e,
    _handle,
    _href,
    _layout,
    _one_line,
    _p,
    _small,
)

GENERIC_NOTES = ("Until you reconnect it, Archive cannot find new mentions through it.",)
FOOTER = "You receive this email because you have access to this Archive workspace."


@dataclass(frozen=True)
class EndedSource:
    """One source in the mail: who, of which kind, why it ended, what it stops, where to fix."""

    handle: str
    kind_name: str
    reason: str
    reconnect_url: str
    # Whole sentences ("Until you reconnect it, Archive cannot ..."), from the kinds table.
    notes: tuple[str, ...] = GENERIC_NOTES


def outage_message(
    *, to: str, workspace_name: str, sources: Sequence[EndedSource], help_url: str
) -> EmailMessage:
    if not sources:
        raise ValueError("an outage mail lists at least one source")
    name = _one_line(workspace_name)
    if len(sources) == 1:
        only = sources[0]
        intro = (
            f"The TikTok account {_handle(only.handle)} ({_one_line(only.kind_name)}) is no "
            f"longer connected to {name} on Archive."
        )
        intro_html = (
            f"The TikTok account <strong>{_e(_handle(only.handle))}</strong> "
            f"({_e(_one_line(only.kind_name))}) is no longer connected to "
            f"<strong>{_e(name)}</strong> on Archive."
        )
    else:
        intro = (
            f"{len(sources)} TikTok connections of {name} on Archive ended. Reconnect each of them:"
        )
        intro_html = (
            f"{len(sources)} TikTok connections of <strong>{_e(name)}</strong> on Archive "
            "ended. Reconnect each of them:"
        )
    parts = [intro]
    body = _p(intro_html)
    for source in sources:
        handle, kind = _handle(source.handle), _one_line(source.kind_name)
        why = _one_line(source.reason)
        notes = [_one_line(n) for n in source.notes]
        lines = [] if len(sources) == 1 else [f"{handle} ({kind})"]
        lines += [f"Reason: {why}", *notes, f"Reconnect: {source.reconnect_url}"]
        parts.append("\n".join(lines))
        if len(sources) > 1:
            body += '<hr style="border:0;border-top:1px solid #e5e7eb;margin:8px 0 16px;">\n' + _p(
                f"<strong>{_e(handle)}</strong> ({_e(kind)})"
            )
        body += _p(f"Reason: {_e(why)}") + "".join(_p(_e(n)) for n in notes)
        body += _button("Reconnect", source.reconnect_url)
    parts += [f"Help article: {help_url}", FOOTER]
    body += _p(f'Need help? Read <a href="{_href(help_url)}">how to connect TikTok to Archive</a>.')
    body += _small(FOOTER)
    return EmailMessage(
        to=_one_line(to),
        subject=DISCONNECTION_SUBJECT,
        text="\n\n".join(parts) + "\n",
        html=_layout("TikTok reconnection needed", body),
    )


def disconnection_message(
    *,
    to: str,
    workspace_name: str,
    source_handle: str,
    source_kind_name: str,
    reason: str,
    reconnect_url: str,
    help_url: str,
    notes: tuple[str, ...] = GENERIC_NOTES,
) -> EmailMessage:
    """The mail for an outage of one source."""
    ended = EndedSource(source_handle, source_kind_name, reason, reconnect_url, notes)
    return outage_message(to=to, workspace_name=workspace_name, sources=[ended], help_url=help_url)
