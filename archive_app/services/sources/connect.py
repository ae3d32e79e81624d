"""Connecting a TikTok account: the QR flow (v.1) and the consent flow (v.2).

A ``ConnectAttempt`` carries the OAuth ``state`` (only its hash is stored). It is single-use,
expires after ``ATTEMPT_LIFETIME`` and is bound to the user and workspace that started it: a
replayed or foreign callback is refused and nothing is saved.

These functions are async because they talk to TikTok; database work goes through ``db`` (a
runner that executes a unit of work off the event loop), and TikTok through ``gateway``. Both are
arguments, so tests pass a temp database and the simulator or a fake.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import Session, select

from archive_app.clock import utc
from archive_app.crypto import TokenCipher, sha256_hex
from archive_app.db import Db
from archive_app.integrations.tiktok import errors as tiktok_errors
from archive_app.integrations.tiktok.kinds import Kind, spec
from archive_app.integrations.tiktok.protocol import CodeExchange, ConsentLogin, ProfileRead, Revoke
from archive_app.models.sources import AttemptStatus, ConnectAttempt, SourceStatus
from archive_app.models.workspaces import User
from archive_app.services.errors import ConnectionCancelled, InvalidInput, NotFound, ServiceError
from archive_app.services.sources import disconnection_mail
from archive_app.services.sources import status as source_service
from archive_app.services.sources.reminders import clean_reminder_emails
from archive_app.services.team import require_member
from archive_app.settings import new_token

ATTEMPT_LIFETIME = timedelta(minutes=10)


class Completes(CodeExchange, ProfileRead, Revoke, Protocol):
    """What finishing a login asks of TikTok, whichever way it started (QR or consent)."""


def begin_attempt(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    kind: Kind,
    now: datetime,
    reminder_emails: list[str] | None = None,
    source_id: int | None = None,
) -> tuple[ConnectAttempt, str]:
    """Open an attempt; returns it and the plain ``state`` (never stored)."""
    require_member(session, workspace_id=workspace_id, user_id=user_id)
    emails: list[str] = []
    if spec(kind).has_reminders and reminder_emails is not None:
        emails = clean_reminder_emails(reminder_emails)
    if source_id is not None:
        source = source_service.get_source(
            session, workspace_id=workspace_id, user_id=user_id, source_id=source_id
        )
        if source.kind != kind.value:
            raise InvalidInput(f"@{source.handle} is a {spec(source.kind).display_name} source.")
    state = new_token()
    attempt = ConnectAttempt(
        state_hash=sha256_hex(state),
        workspace_id=workspace_id,
        user_id=user_id,
        kind=kind.value,
        source_id=source_id,
        reminder_emails=emails,
        created_at=now,
        expires_at=now + ATTEMPT_LIFETIME,
    )
    session.add(attempt)
    session.flush()
    return attempt, state


def _check_usable(
    attempt: ConnectAttempt | None, *, workspace_id: int, user_id: int, now: datetime
) -> ConnectAttempt:
    if attempt is None:
        raise NotFound("This connection link is not valid. Start again from Settings → Sources.")
    if attempt.workspace_id != workspace_id or attempt.user_id != user_id:
        raise InvalidInput(
            "This connection was started by someone else. Start again from Settings → Sources."
        )
    if attempt.used_at is not None or attempt.status != AttemptStatus.pending:
        raise InvalidInput("This connection link was already used. Start again if needed.")
    if utc(attempt.expires_at) <= now:
        raise InvalidInput(
            "This connection took longer than 10 minutes and expired. Please start again."
        )
    return attempt


def attempt_by_state(
    session: Session, *, state: str, workspace_id: int, user_id: int, now: datetime
) -> ConnectAttempt:
    attempt = session.exec(
        select(ConnectAttempt).where(ConnectAttempt.state_hash == sha256_hex(state or ""))
    ).first()
    return _check_usable(attempt, workspace_id=workspace_id, user_id=user_id, now=now)


def attempt_by_id(
    session: Session, *, attempt_id: int, workspace_id: int, user_id: int, now: datetime
) -> ConnectAttempt:
    attempt = session.get(ConnectAttempt, attempt_id)
    return _check_usable(attempt, workspace_id=workspace_id, user_id=user_id, now=now)


def close_attempt(
    session: Session,
    attempt_id: int,
    *,
    status: AttemptStatus,
    now: datetime,
    error: str = "",
    source_id: int | None = None,
) -> None:
    attempt = session.get(ConnectAttempt, attempt_id)
    assert attempt is not None
    attempt.status = status
    attempt.used_at = now
    attempt.error = error[:300]
    attempt.result_source_id = source_id
    session.add(attempt)


async def fail_attempt(db: Db, attempt_id: int, *, now: datetime, error: str) -> None:
    """The attempt is over without a source; it can never be used again."""
    await db(
        lambda s: close_attempt(s, attempt_id, status=AttemptStatus.failed, now=now, error=error)
    )


async def complete_attempt(
    db: Db,
    gateway: Completes,
    *,
    attempt: ConnectAttempt,
    code: str,
    cipher: TokenCipher,
    now: datetime,
    links: disconnection_mail.Links,
) -> int:
    """Exchange the code, read the profile, save the source. Nothing is saved on failure."""
    assert attempt.id is not None
    attempt_id = attempt.id
    try:
        tokens = await gateway.exchange_code(code=code, now=now)
        profile = await gateway.profile(access_token=tokens.access_token, open_id=tokens.open_id)
    except tiktok_errors.TikTokError as exc:
        message = tiktok_message(exc)
        await fail_attempt(db, attempt_id, now=now, error=message)
        raise InvalidInput(message) from exc

    def save(session: Session) -> int:
        source = source_service.save_connection(
            session,
            workspace_id=attempt.workspace_id,
            user_id=attempt.user_id,
            kind=Kind(attempt.kind),
            tokens=tokens,
            profile=profile,
            cipher=cipher,
            now=now,
            reconnect_source_id=attempt.source_id,
            reminder_emails=attempt.reminder_emails if attempt.reminder_emails else None,
        )
        assert source.id is not None
        close_attempt(session, attempt_id, status=AttemptStatus.done, now=now, source_id=source.id)
        disconnection_mail.withdraw_reconnected(session, source=source, now=now, links=links)
        return source.id

    try:
        return await db(save)
    except ServiceError as exc:
        # The wrong account: TikTok granted us tokens we will not keep; give them back.
        await _revoke_quietly(gateway, tokens.access_token)
        refusal = exc.message
        await fail_attempt(db, attempt_id, now=now, error=refusal)
        raise


async def _revoke_quietly(gateway: Revoke, access_token: str) -> None:
    # If TikTok cannot be reached, the unused grant still expires on TikTok's side.
    with contextlib.suppress(tiktok_errors.TikTokError):
        await gateway.revoke(access_token=access_token)


def tiktok_message(exc: tiktok_errors.TikTokError) -> str:
    if isinstance(exc, tiktok_errors.TransientError):
        return "TikTok is not answering right now. Please try again in a minute."
    if isinstance(exc, tiktok_errors.GrantRevoked):
        return f"TikTok refused the connection: {exc.reason}"
    return "TikTok refused the connection. Please start again."


# --- v.2: consent page ------------------------------------------------------------------------


async def start_consent(
    db: Db,
    gateway: ConsentLogin,
    *,
    workspace_id: int,
    user_id: int,
    now: datetime,
    source_id: int | None = None,
) -> str:
    """The TikTok consent URL to send the browser to."""
    _, state = await db(
        lambda s: begin_attempt(
            s,
            workspace_id=workspace_id,
            user_id=user_id,
            kind=gateway.kind,
            now=now,
            source_id=source_id,
        )
    )
    return gateway.authorize_url(state=state)


async def finish_consent(
    db: Db,
    gateway: Completes,
    *,
    state: str,
    code: str | None,
    error: str | None,
    workspace_id: int,
    user_id: int,
    cipher: TokenCipher,
    now: datetime,
    links: disconnection_mail.Links,
) -> int:
    """Handle TikTok's redirect back. Returns the source id; raises with a message otherwise."""
    attempt = await db(
        lambda s: attempt_by_state(
            s, state=state, workspace_id=workspace_id, user_id=user_id, now=now
        )
    )
    assert attempt.id is not None
    attempt_id = attempt.id
    if error == "access_denied" or not (error or code):
        cancelled = ConnectionCancelled()
        await fail_attempt(db, attempt_id, now=now, error=cancelled.message)
        raise cancelled
    if error or not code:
        message = f"TikTok did not connect the account ({error})."
        await fail_attempt(db, attempt_id, now=now, error=message)
        raise InvalidInput(message)
    return await complete_attempt(
        db, gateway, attempt=attempt, code=code, cipher=cipher, now=now, links=links
    )


# --- disconnect ------------------------------------------------------------------------------


async def disconnect(
    db: Db,
    gateway_for: Callable[[Kind], Revoke],
    *,
    workspace_id: int,
    user_id: int,
    source_id: int,
    cipher: TokenCipher,
    now: datetime,
) -> str:
    """Revoke the grant at TikTok, then forget the tokens. Returns the handle."""
    source = await db(
        lambda s: source_service.get_source(
            s, workspace_id=workspace_id, user_id=user_id, source_id=source_id
        )
    )
    token = cipher.decrypt(source.access_token_enc) if source.access_token_enc else None
    if token and source.status != SourceStatus.disconnected:
        await _revoke_quietly(gateway_for(Kind(source.kind)), token)

    def forget(session: Session) -> str:
        row = source_service.get_source(
            session, workspace_id=workspace_id, user_id=user_id, source_id=source_id
        )
        person = session.get(User, user_id)
        who = person.email if person else "a teammate"
        source_service.disconnect_locally(
            session,
            source=row,
            now=now,
            user_id=user_id,
            reason=f"Disconnected in Archive by {who}",
        )
        return row.handle

    return await db(forget)
