"""Mails about usage-rights requests. Building is pure; sending is ``mail/sender.py``. The same
rules as ``mail/messages.py``: plain text and HTML with the same content, every value escaped,
every link http(s)."""

from __future__ import annotations

from archive_app.mail.messages import (
    EmailMessage,
    _button,
    _e,
    _handle,
    _layout,
    _one_line,
    _p,
    _small,
)


def answer_subject(*, handle: str, approved: bool, spark: bool) -> str:
    verb = "approved" if approved else "declined"
    what = "Spark Ads code request" if spark else "usage-rights request"
    return f"{_handle(handle)} {verb} your {what}"


def rights_answer_message(
    *,
    to: str,
    handle: str,
    approved: bool,
    spark: bool,
    note: str,
    proof_url: str,
    manage_url: str,
) -> EmailMessage:
    """To the member who asked: the creator answered on their page (``/r/<token>``)."""
    subject = answer_subject(handle=handle, approved=approved, spark=spark)
    if approved and spark:
        outcome = "approved your request and gave you a Spark Ads code. Manage Rights shows it."
    elif approved:
        outcome = "approved your usage-rights request."
    else:
        outcome = "declined your request."
    intro = f"{_handle(handle)} {outcome}"
    lines = [intro]
    body = _p(_e(intro))
    if note:
        lines.append(f"Their note: {note}")
        body += _p("Their note: " + _e(note).replace("\n", "<br>"))
    lines += [
        f"Proof of the answer (what they saw, when, and how they were identified): {proof_url}",
        f"Manage Rights: {manage_url}",
    ]
    body += _button("See the proof", proof_url)
    body += _small(
        "The proof records what the creator saw, when they answered, and how they were "
        f'identified. <a href="{_e(manage_url)}">Manage Rights</a>'
    )
    return EmailMessage(
        to=_one_line(to),
        subject=subject,
        text="\n\n".join(lines) + "\n",
        html=_layout(subject, body),
    )
