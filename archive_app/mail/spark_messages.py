"""The reminder that an approved Spark Ads code expires soon (7 days and 1 day before). Built
here, sent through the outbox; the same rules as ``mail/messages.py`` (plain text and HTML with
the same content, every value escaped, every link http(s))."""

from __future__ import annotations

from datetime import datetime

from archive_app import dates
from archive_app.mail.messages import EmailMessage, _button, _e, _layout, _one_line, _p, _small


def spark_expiry_message(
    *, to: str, creator_handle: str, days_left: int, expires_at: datetime, rights_url: str
) -> EmailMessage:
    handle = "@" + _one_line(creator_handle).lstrip("@")
    within = "1 day" if days_left == 1 else f"{days_left} days"
    date_text = dates.day_time(expires_at)
    lead = (
        f"The Spark Ads code {handle} gave you expires on {date_text}, in {within}. "
        "After that, ads using it stop running."
    )
    advice = "To keep boosting the video, ask for a new code in Manage Rights (Request again)."
    why = "You receive this because you requested this Spark Ads code on Archive."
    text = "\n\n".join([lead, advice, f"Manage Rights: {rights_url}", why])
    body = (
        _p(_e(lead)) + _p(_e(advice)) + _button("Open Manage Rights", rights_url) + _small(_e(why))
    )
    subject = f"The Spark Ads code from {handle} expires in {within}"
    return EmailMessage(
        to=_one_line(to), subject=subject, text=text + "\n", html=_layout(subject, body)
    )
