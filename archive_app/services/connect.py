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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar

from sqlmodel import Session, select

from archive_app.clock import utc
from archive_app.crypto import TokenCipher, sha256_hex
from archive_app.integrations.tiktok import errors as tiktok_errors
from archive_app.integrations.tiktok.kinds import Kind, spec
from archive_app.integrations.tiktok.protocol import QrCode, QrState, TikTokGateway
from archive_app.models.sources import AttemptStatus, ConnectAttempt, SourceStatus
from archive_app.models.workspaces import User
from archive_app.services import sources as source_service
from archive_app.services.errors import InvalidInput, NotFound, ServiceError
from archive_app.services.workspaces import require_member
from archive_app.settings import new_token

ATTEMPT_LIFETIME = timedelta(minutes=10)
T = TypeVar("T")


class Db(Protocol):
    def __call__(self, work: Callable[[Session], T], /) -> Awaitable[T]: ...


class QrPhase(StrEnum):
    waiting = "waiting"  # shown, nobody scanned yet
    scanned = "scanned"  # "Scanned, confirm in the app"
    renewed = "renewed"  # the old code expired; here is a new one
    connected = "connected"
    denied = "denied"
    failed = "failed"


@dataclass(frozen=True)
class QrProgress:
    phase: QrPhase
    attempt_id: int
    scan_url: str = ""
    message: str = ""
    source_id: int | None = None


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
    if spec(kind).can_send_dms and reminder_emails is not None:
        emails = source_service.clean_reminder_emails(reminder_emails)
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


def _close(
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


async def _complete(
    db: Db,
    gateway: TikTokGateway,
    *,
    attempt: ConnectAttempt,
    code: str,
    cipher: TokenCipher,
    now: datetime,
) -> int:
    """Exchange the code, read the profile, save the source. Nothing is saved on failure."""
    assert attempt.id is not None
    attempt_id = attempt.id
    try:
        tokens = await gateway.exchange_code(code=code, now=now)
        profile = await gateway.profile(access_token=tokens.access_token, open_id=tokens.open_id)
    except tiktok_errors.TikTokError as exc:
        message = _tiktok_message(exc)
        await db(
            lambda s: _close(s, attempt_id, status=AttemptStatus.failed, now=now, error=message)
        )
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
        _close(session, attempt_id, status=AttemptStatus.done, now=now, source_id=source.id)
        return source.id

    try:
        return await db(save)
    except ServiceError as exc:
        # The wrong account: TikTok granted us tokens we will not keep; give them back.
        await _revoke_quietly(gateway, tokens.access_token)
        refusal = exc.message
        await db(
            lambda s: _close(s, attempt_id, status=AttemptStatus.failed, now=now, error=refusal)
        )
        raise


async def _revoke_quietly(gateway: TikTokGateway, access_token: str) -> None:
    # If TikTok cannot be reached, the unused grant still expires on TikTok's side.
    with contextlib.suppress(tiktok_errors.TikTokError):
        await gateway.revoke(access_token=access_token)


def _tiktok_message(exc: tiktok_errors.TikTokError) -> str:
    if isinstance(exc, tiktok_errors.TransientError):
        return "TikTok is not answering right now. Please try again in a minute."
    if isinstance(exc, tiktok_errors.GrantRevoked):
        return f"TikTok refused the connection: {exc.reason}"
    return "TikTok refused the connection. Please start again."


# --- v.2: consent page ------------------------------------------------------------------------


async def start_consent(
    db: Db,
    gateway: TikTokGateway,
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
    gateway: TikTokGateway,
    *,
    state: str,
    code: str | None,
    error: str | None,
    workspace_id: int,
    user_id: int,
    cipher: TokenCipher,
    now: datetime,
) -> int:
    """Handle TikTok's redirect back. Returns the source id; raises with a message otherwise."""
    attempt = await db(
        lambda s: attempt_by_state(
            s, state=state, workspace_id=workspace_id, user_id=user_id, now=now
        )
    )
    assert attempt.id is not None
    attempt_id = attempt.id
    if error or not code:
        message = (
            "Connection cancelled"
            if error == "access_denied" or not error
            else (f"TikTok did not connect the account ({error}).")
        )
        await db(
            lambda s: _close(s, attempt_id, status=AttemptStatus.failed, now=now, error=message)
        )
        raise InvalidInput(message)
    return await _complete(db, gateway, attempt=attempt, code=code, cipher=cipher, now=now)


# --- v.1: QR code -----------------------------------------------------------------------------


async def start_qr(
    db: Db,
    gateway: TikTokGateway,
    *,
    workspace_id: int,
    user_id: int,
    reminder_emails: list[str],
    now: datetime,
    source_id: int | None = None,
) -> QrProgress:
    attempt, state = await db(
        lambda s: begin_attempt(
            s,
            workspace_id=workspace_id,
            user_id=user_id,
            kind=gateway.kind,
            now=now,
            reminder_emails=reminder_emails,
            source_id=source_id,
        )
    )
    assert attempt.id is not None
    return await _new_qr(
        db, gateway, attempt_id=attempt.id, state=state, now=now, phase=QrPhase.waiting
    )


async def _new_qr(
    db: Db, gateway: TikTokGateway, *, attempt_id: int, state: str, now: datetime, phase: QrPhase
) -> QrProgress:
    try:
        qr = await gateway.get_qrcode(state=state)
    except tiktok_errors.TikTokError as exc:
        return QrProgress(phase=QrPhase.failed, attempt_id=attempt_id, message=_tiktok_message(exc))

    def store(session: Session) -> None:
        attempt = session.get(ConnectAttempt, attempt_id)
        assert attempt is not None
        attempt.qr_token, attempt.qr_ticket, attempt.qr_scan_url = qr.token, qr.ticket, qr.scan_url
        session.add(attempt)

    await db(store)
    return QrProgress(phase=phase, attempt_id=attempt_id, scan_url=qr.scan_url)


async def refresh_qr(
    db: Db,
    gateway: TikTokGateway,
    *,
    attempt_id: int,
    workspace_id: int,
    user_id: int,
    now: datetime,
) -> QrProgress:
    """A new code for the same attempt (the "Refresh QR code" button, or after expiry)."""
    attempt = await db(
        lambda s: attempt_by_id(
            s, attempt_id=attempt_id, workspace_id=workspace_id, user_id=user_id, now=now
        )
    )
    # The state travels inside the QR login; a fresh one per code keeps old codes useless.
    state = new_token()

    def rebind(session: Session) -> None:
        row = session.get(ConnectAttempt, attempt.id)
        assert row is not None
        row.state_hash = sha256_hex(state)
        session.add(row)

    await db(rebind)
    return await _new_qr(
        db, gateway, attempt_id=attempt_id, state=state, now=now, phase=QrPhase.renewed
    )


async def poll_qr(
    db: Db,
    gateway: TikTokGateway,
    *,
    attempt_id: int,
    workspace_id: int,
    user_id: int,
    cipher: TokenCipher,
    now: datetime,
    was_scanned: bool = False,
) -> QrProgress:
    """One look at the QR login: waiting, scanned, renewed (expired → new code), or done."""
    try:
        attempt = await db(
            lambda s: attempt_by_id(
                s, attempt_id=attempt_id, workspace_id=workspace_id, user_id=user_id, now=now
            )
        )
    except ServiceError as exc:
        return QrProgress(phase=QrPhase.failed, attempt_id=attempt_id, message=exc.message)
    if not attempt.qr_token or not attempt.qr_ticket:
        return QrProgress(
            phase=QrPhase.failed,
            attempt_id=attempt_id,
            message="The QR code did not load. Click Refresh QR code.",
        )
    qr = QrCode(
        token=attempt.qr_token,
        scan_url=attempt.qr_scan_url or "",
        ticket=attempt.qr_ticket,
        state="",
    )
    try:
        status = await gateway.check_qrcode(qr)
    except tiktok_errors.QrTicketMismatch:
        await db(
            lambda s: _close(
                s, attempt_id, status=AttemptStatus.failed, now=now, error="ticket mismatch"
            )
        )
        return QrProgress(
            phase=QrPhase.failed,
            attempt_id=attempt_id,
            message="That QR login did not come from this page. Please try again.",
        )
    except tiktok_errors.TransientError:
        return QrProgress(phase=QrPhase.waiting, attempt_id=attempt_id, scan_url=qr.scan_url)
    except tiktok_errors.TikTokError as exc:
        return QrProgress(phase=QrPhase.failed, attempt_id=attempt_id, message=_tiktok_message(exc))
    if status.state == QrState.expired and was_scanned:
        # TikTok has no "denied" status: a code that was scanned and then ends was declined.
        await db(
            lambda s: _close(s, attempt_id, status=AttemptStatus.failed, now=now, error="denied")
        )
        return QrProgress(
            phase=QrPhase.denied,
            attempt_id=attempt_id,
            message="The login was denied in the TikTok app. Nothing was connected.",
        )
    if status.state == QrState.expired:
        return await refresh_qr(
            db, gateway, attempt_id=attempt_id, workspace_id=workspace_id, user_id=user_id, now=now
        )
    if status.state == QrState.scanned:
        return QrProgress(phase=QrPhase.scanned, attempt_id=attempt_id, scan_url=qr.scan_url)
    if status.state == QrState.confirmed and status.code:
        try:
            source_id = await _complete(
                db, gateway, attempt=attempt, code=status.code, cipher=cipher, now=now
            )
        except ServiceError as exc:
            return QrProgress(phase=QrPhase.failed, attempt_id=attempt_id, message=exc.message)
        return QrProgress(phase=QrPhase.connected, attempt_id=attempt_id, source_id=source_id)
    if status.state == QrState.utilised:
        return QrProgress(
            phase=QrPhase.failed,
            attempt_id=attempt_id,
            message="This QR code was already used. Click Refresh QR code.",
        )
    return QrProgress(phase=QrPhase.waiting, attempt_id=attempt_id, scan_url=qr.scan_url)


# --- disconnect ------------------------------------------------------------------------------


async def disconnect(
    db: Db,
    gateway_for: Callable[[Kind], TikTokGateway],
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
