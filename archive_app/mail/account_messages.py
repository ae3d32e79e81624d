"""Mails about a person's own account (password reset, email change). Building is pure;
sending is ``mail/sender.py``. The same rules as ``mail/messages.py``: a plain-text and an HTML
version with the same content, every value escaped, every link http(s)."""

from __future__ import annotations

from archive_app.mail.messages import EmailMessage, _button, _e, _layout, _one_line, _p, _small

RESET_SUBJECT = "Reset your Archive password"
RESET_IGNORE = "If you didn't ask for this, ignore this mail: your password stays as it is."


def password_reset_message(*, to: str, reset_url: str, lifetime_hours: int) -> EmailMessage:
    """The "Forgot password?" link. Only the mailbox's owner reads it."""
    hours = "1 hour" if lifetime_hours == 1 else f"{lifetime_hours} hours"
    validity = (
        f"The link expires in {hours} and works once. Setting a new password logs your "
        "account out of every browser."
    )
    text = "\n\n".join(
        [
            "Someone (we hope you) asked to reset the password of your Archive account.",
            f"Choose a new password: {reset_url}",
            validity,
            RESET_IGNORE,
        ]
    )
    body = (
        _p("Someone (we hope you) asked to reset the password of your Archive account.")
        + _button("Choose a new password", reset_url)
        + _p(validity)
        + _small(RESET_IGNORE)
    )
    return EmailMessage(
        to=_one_line(to),
        subject=RESET_SUBJECT,
        text=text + "\n",
        html=_layout(RESET_SUBJECT, body),
    )


# --- email change (services/email_change.py) -------------------------------------------------

EMAIL_CHANGE_SUBJECT = "Confirm your new Archive email address"
EMAIL_TAKEN_SUBJECT = "Your address and Archive"
EMAIL_CHANGED_SUBJECT = "Your Archive email address was changed"


def email_change_message(*, to: str, confirm_url: str, lifetime_minutes: int) -> EmailMessage:
    """The link that moves an account to this address (sent to the NEW address)."""
    intro = (
        "Someone signed in to Archive (we hope you) asked to use this address for their "
        "account. The address changes only when you open this link."
    )
    validity = f"The link works once, within {lifetime_minutes} minutes."
    ignore = "If this wasn't you, ignore this email: nothing changes without this link."
    text = "\n\n".join([intro, f"Confirm the new address: {confirm_url}", validity, ignore])
    body = _p(intro) + _button("Confirm new address", confirm_url) + _p(validity) + _small(ignore)
    return EmailMessage(
        to=_one_line(to),
        subject=EMAIL_CHANGE_SUBJECT,
        text=text + "\n",
        html=_layout(EMAIL_CHANGE_SUBJECT, body),
    )


def email_taken_message(*, to: str) -> EmailMessage:
    """Sent instead of a confirmation link when the address already has an account: the
    profile form said "we sent a link" either way, and only this mailbox's owner learns why."""
    note = (
        "Someone signed in to another Archive account asked to use this address, but an "
        "Archive account already uses it, so nothing was changed."
    )
    ignore = "If this wasn't you, you can ignore this email."
    return EmailMessage(
        to=_one_line(to),
        subject=EMAIL_TAKEN_SUBJECT,
        text="\n\n".join([note, ignore]) + "\n",
        html=_layout(EMAIL_TAKEN_SUBJECT, _p(note) + _small(ignore)),
    )


def email_changed_message(*, to: str, new_email: str, profile_url: str) -> EmailMessage:
    """A notice to the OLD address once the change happened, so a takeover does not go unseen."""
    new = _one_line(new_email)
    warning = (
        "If you did not do this, someone else may know your password: ask an owner of your "
        "workspace for help at once."
    )
    text = "\n\n".join(
        [
            f"The email address of your Archive account was changed to {new}. Archive mail "
            "now goes there.",
            f"Your profile: {profile_url}",
            warning,
        ]
    )
    body = (
        _p(
            "The email address of your Archive account was changed to "
            f"<strong>{_e(new)}</strong>. Archive mail now goes there."
        )
        + _button("Open your profile", profile_url)
        + _small(warning)
    )
    return EmailMessage(
        to=_one_line(to),
        subject=EMAIL_CHANGED_SUBJECT,
        text=text + "\n",
        html=_layout(EMAIL_CHANGED_SUBJECT, body),
    )
