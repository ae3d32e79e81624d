"""The ``archive`` commands. Each returns an exit code and prints what a person needs."""

from __future__ import annotations

import asyncio
import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr
from html import escape
from typing import TextIO

from pydantic import ValidationError
from sqlmodel import Session

from archive_app import logs
from archive_app.db import engine_for, session_scope
from archive_app.deps import build_deps
from archive_app.jobs.runs import UnknownJobError, job_names, run_job_now
from archive_app.mail.messages import EmailMessage
from archive_app.mail.sender import MailError, SmtpSender
from archive_app.services import admin, auth
from archive_app.services.errors import ServiceError
from archive_app.settings import Mode, Settings


@dataclass(frozen=True)
class Console:
    stdin: TextIO
    out: TextIO

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)


def reasons(exc: Exception) -> str:
    """A settings refusal as the lines people act on (pydantic's wrapping removed)."""
    if isinstance(exc, ValidationError):
        lines = []
        for error in exc.errors():
            message = str(error.get("msg", "")).removeprefix("Value error, ")
            where = ".".join(str(p) for p in error.get("loc", ()))
            lines.append(f"{where}: {message}" if where else message)
        return "\n".join(lines)
    return str(exc)


def problems(exc: Exception) -> list[str]:
    """Each refused setting once, without the heading or the list marks around it."""
    text = reasons(exc).replace("production mode refuses to start:", "")
    lines = (line.strip().removeprefix("- ").strip() for line in text.splitlines())
    return [line for line in lines if line]


def configure_logging(settings: Settings) -> None:
    logs.configure(settings)


def _password(io: Console, *, from_stdin: bool) -> str:
    if from_stdin:
        return io.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def _now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    """One unit of work on an engine of its own, closed afterwards whatever happens."""
    engine = engine_for(settings)
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def create_user(
    io: Console, settings: Settings, *, email: str, workspace: str, from_stdin: bool
) -> int:
    try:
        password = _password(io, from_stdin=from_stdin)
        with _session(settings) as session:
            signed_in = admin.create_owner(
                session, email=email, password=password, workspace_name=workspace, now=_now()
            )
            # The CLI signs nobody in: drop the session the sign-up opened.
            auth.log_out(session, token=signed_in.session_token)
            address = auth.normalize_email(email)
    except (ServiceError, ValueError) as exc:
        io.say(f"archive: not created: {getattr(exc, 'message', exc)}")
        return 1
    io.say(f"Created {address}, owner of the workspace {workspace.strip()!r}. They can log in.")
    return 0


def reset_password(io: Console, settings: Settings, *, email: str, from_stdin: bool) -> int:
    try:
        password = _password(io, from_stdin=from_stdin)
        with _session(settings) as session:
            ended = admin.reset_password(session, email=email, new_password=password)
    except (ServiceError, ValueError) as exc:
        io.say(f"archive: password not changed: {getattr(exc, 'message', exc)}")
        return 1
    io.say(f"Password changed; {ended} session(s) of that person ended.")
    return 0


def run_job(io: Console, settings: Settings, *, name: str) -> int:
    if name not in job_names():
        io.say(f"archive: no job is called {name!r}; the jobs are: {', '.join(job_names())}")
        return 2
    deps = build_deps(settings)
    try:
        answer = asyncio.run(run_job_now(name, deps))
    except UnknownJobError:  # pragma: no cover - checked above
        return 2
    finally:
        deps.engine.dispose()
    io.say(json.dumps(answer, default=str))
    return 0 if answer.get("ok") else 1


def check_config(io: Console, *, as_configured: bool = False) -> int:
    """What production mode would refuse in this environment (``ARCHIVE_MODE`` aside), or,
    ``as_configured``, whether the settings start in their own mode."""
    try:
        settings = Settings() if as_configured else Settings(mode=Mode.production)
    except ValueError as exc:
        io.say(
            "Archive refuses these settings:"
            if as_configured
            else "Production mode would refuse to start:"
        )
        for problem in problems(exc):
            io.say(f"  - {problem}")
        return 1
    if as_configured:
        io.say(f"The settings are complete for {settings.mode.value} mode.")
    else:
        io.say("The configuration is complete: production mode would start.")
    return 0


def send_test_mail(io: Console, settings: Settings, *, to: str) -> int:
    try:
        address = auth.normalize_email(to)
    except ServiceError as exc:
        io.say(f"archive: {exc.message}")
        return 2
    sender_name = parseaddr(settings.mail_from)[1]
    text = (
        "This is a test mail from Archive.\n\n"
        f"It was sent through {settings.smtp_host}:{settings.smtp_port} as {sender_name}, so "
        "sign-up links and disconnection alerts will arrive the same way.\n"
    )
    message = EmailMessage(
        to=address,
        subject="Archive test mail",
        text=text,
        html=f"<!DOCTYPE html><html><body><p>{escape(text)}</p></body></html>",
    )
    try:
        SmtpSender(settings).send(message, message_id=f"test-mail:{_now().timestamp()}")
    except MailError as exc:
        io.say(f"archive: the mail was not sent: {exc}")
        return 1
    io.say(f"Sent a test mail to {address} through {settings.smtp_host}:{settings.smtp_port}.")
    return 0
