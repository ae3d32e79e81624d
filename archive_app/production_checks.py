"""What production mode refuses to start with, one sentence per problem, never quoting a secret.

``Settings`` raises with all of them at once (``settings.py``); ``archive check-config`` prints
them. Each sentence names the variable to set and, where it helps, how to make a good value.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import urlsplit

from archive_app.crypto import FERNET_KEY_HELP, fernet_key_problem


class Settings(Protocol):
    """What the checks read of ``archive_app.settings.Settings`` (which imports this module)."""

    public_url: str
    allow_insecure_http: bool
    cors_allowed_origins: list[str]
    mail_sink: bool | None
    smtp_user: str
    mail_from: str
    seed_demo: bool | None

    def __getattribute__(self, name: str) -> Any: ...


# Values people leave in an example file; a real secret or key never looks like these.
PLACEHOLDERS = frozenset(
    {
        "changeme",
        "change-me",
        "change_me",
        "placeholder",
        "secret",
        "password",
        "todo",
        "tbd",
        "xxx",
        "none",
        "null",
        "test",
        "example",
        "your-client-key",
        "your-client-secret",
    }
)
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})  # noqa: S104
DEFAULT_MAIL_FROM = "Archive <notifications@archive.local>"


def is_placeholder(value: str) -> bool:
    """An empty value, a word from an example file, ``<...>``, or the simulator's own keys."""
    text = value.strip().lower()
    return (
        not text
        or text in PLACEHOLDERS
        or text.startswith(("change-me", "changeme", "sim-"))
        or ("<" in text and ">" in text)
    )


def _secret(settings: Settings, name: str) -> str:
    value = getattr(settings, name)
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)


def production_problems(
    settings: Settings, *, public_url_set: bool, smtp_host_set: bool
) -> list[str]:
    """Everything production mode would refuse in ``settings``, in a fixed order."""
    problems: list[str] = []
    key = _secret(settings, "encryption_key")
    if not key:
        problems.append(f"ARCHIVE_ENCRYPTION_KEY is not set; {FERNET_KEY_HELP}")
    elif fernet_key_problem(key):
        problems.append(f"ARCHIVE_ENCRYPTION_KEY {fernet_key_problem(key)}")
    problems += _public_url_problems(settings, was_set=public_url_set)
    for kind in ("v1", "v2"):
        for part in ("client_key", "client_secret"):
            name = f"tiktok_{kind}_{part}"
            if is_placeholder(_secret(settings, name)):
                problems.append(
                    f"ARCHIVE_{name.upper()} is not set or is a placeholder: copy it from your "
                    "TikTok app at developers.tiktok.com"
                )
    problems += _cors_problems(settings.cors_allowed_origins)
    problems += _mail_problems(settings, smtp_host_set=smtp_host_set)
    if settings.seed_demo:
        problems.append(
            "ARCHIVE_SEED_DEMO must be false in production (the demo logins' password is public)"
        )
    return problems


def _public_url_problems(settings: Settings, *, was_set: bool) -> list[str]:
    url = settings.public_url
    parts = urlsplit(url)
    if not was_set or (parts.hostname or "") in LOOPBACK_HOSTS:
        return [
            "ARCHIVE_PUBLIC_URL is not set: set it to the address people use to reach Archive, "
            "e.g. https://archive.example.com"
        ]
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [f"ARCHIVE_PUBLIC_URL is not a web address (it is {url!r})"]
    if parts.scheme != "https" and not settings.allow_insecure_http:
        return [
            f"ARCHIVE_PUBLIC_URL must start with https:// in production (it is {url!r}): over "
            "plain http the session cookie cannot be Secure. On a trusted LAN without TLS, set "
            "ARCHIVE_ALLOW_INSECURE_HTTP=true."
        ]
    return []


def _cors_problems(origins: list[str]) -> list[str]:
    if "*" in origins:
        return ["ARCHIVE_CORS_ALLOWED_ORIGINS must not be '*': list the origins people use"]
    bad = [o for o in origins if urlsplit(o).scheme not in ("http", "https")]
    if bad:
        return [
            "ARCHIVE_CORS_ALLOWED_ORIGINS must list origins like https://archive.example.com "
            f"({len(bad)} entry/entries are not)"
        ]
    return []


def _mail_problems(settings: Settings, *, smtp_host_set: bool) -> list[str]:
    problems: list[str] = []
    if settings.mail_sink:
        problems.append("ARCHIVE_MAIL_SINK must be false in production (it keeps mail on the box)")
    if not smtp_host_set:
        problems.append(
            "ARCHIVE_SMTP_HOST is not set: Archive needs your SMTP server to send sign-up links "
            "and disconnection alerts (also set ARCHIVE_SMTP_PORT, _USER, _PASSWORD, _TLS)"
        )
    if settings.smtp_user and is_placeholder(_secret(settings, "smtp_password")):
        problems.append("ARCHIVE_SMTP_PASSWORD is not set or is a placeholder")
    if settings.mail_from == DEFAULT_MAIL_FROM:
        problems.append(
            "ARCHIVE_MAIL_FROM is not set: the sender address, e.g. "
            "'Archive <archive@your-brand.com>' (a domain your SMTP server may send for)"
        )
    return problems
