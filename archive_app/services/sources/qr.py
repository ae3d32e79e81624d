"""Connecting a TikTok Account v.1: the QR login (TIKTOK.md "Login Kit").

The wizard shows the code at once, then polls: waiting → scanned → connected. An expired code
is replaced without asking; a code that was scanned and then ends was declined on the phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlmodel import Session

from archive_app.crypto import TokenCipher, sha256_hex
from archive_app.db import Db
from archive_app.integrations.tiktok import errors as tiktok_errors
from archive_app.integrations.tiktok.protocol import ProfileRead, QrCode, QrLogin, QrState, Revoke
from archive_app.models.sources import ConnectAttempt
from archive_app.services.errors import ServiceError
from archive_app.services.sources.connect import (
    attempt_by_id,
    begin_attempt,
    complete_attempt,
    fail_attempt,
    tiktok_message,
)
from archive_app.services.sources.disconnection_mail import Links
from archive_app.settings import new_token


class QrGateway(QrLogin, ProfileRead, Revoke, Protocol):
    """What the QR flow asks of TikTok; a TikTok Account v.1 gateway has all of it."""


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


async def start_qr(
    db: Db,
    gateway: QrGateway,
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
    db: Db, gateway: QrLogin, *, attempt_id: int, state: str, now: datetime, phase: QrPhase
) -> QrProgress:
    try:
        qr = await gateway.get_qrcode(state=state)
    except tiktok_errors.TikTokError as exc:
        return QrProgress(phase=QrPhase.failed, attempt_id=attempt_id, message=tiktok_message(exc))

    def store(session: Session) -> None:
        attempt = session.get(ConnectAttempt, attempt_id)
        assert attempt is not None
        attempt.qr_token, attempt.qr_ticket, attempt.qr_scan_url = qr.token, qr.ticket, qr.scan_url
        session.add(attempt)

    await db(store)
    return QrProgress(phase=phase, attempt_id=attempt_id, scan_url=qr.scan_url)


async def refresh_qr(
    db: Db,
    gateway: QrGateway,
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
    gateway: QrGateway,
    *,
    attempt_id: int,
    workspace_id: int,
    user_id: int,
    cipher: TokenCipher,
    now: datetime,
    links: Links,
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
        await fail_attempt(db, attempt_id, now=now, error="ticket mismatch")
        return QrProgress(
            phase=QrPhase.failed,
            attempt_id=attempt_id,
            message="That QR login did not come from this page. Please try again.",
        )
    except tiktok_errors.TransientError:
        return QrProgress(phase=QrPhase.waiting, attempt_id=attempt_id, scan_url=qr.scan_url)
    except tiktok_errors.TikTokError as exc:
        return QrProgress(phase=QrPhase.failed, attempt_id=attempt_id, message=tiktok_message(exc))
    if status.state == QrState.expired and was_scanned:
        # TikTok has no "denied" status: a code that was scanned and then ends was declined.
        await fail_attempt(db, attempt_id, now=now, error="denied")
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
            source_id = await complete_attempt(
                db, gateway, attempt=attempt, code=status.code, cipher=cipher, now=now, links=links
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
