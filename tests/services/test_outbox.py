"""The outbox sends each mail at most once, retries what can be retried, and gives up visibly."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from archive_app.mail.messages import EmailMessage
from archive_app.mail.sender import MailError, RecordingSender
from archive_app.models.notifications import OutboxEmail, OutboxStatus
from archive_app.services import admin, outbox, outbox_cancel


def _msg(to: str = "owner@brand.example") -> EmailMessage:
    return EmailMessage(
        to=to,
        subject="[ACTION REQUIRED]: TikTok Reconnection Needed",
        text="Reconnect: http://localhost:3000/r",
        html='<a href="http://localhost:3000/r">Reconnect</a>',
    )


def _enqueue(engine: Engine, now: datetime, key: str = "k1", **kw) -> int:
    with Session(engine) as session:
        row = outbox.enqueue(session, message=_msg(**kw), dedupe_key=key, now=now, workspace_id=1)
        session.commit()
        assert row.id is not None
        return row.id


def _row(engine: Engine, row_id: int) -> OutboxEmail:
    with Session(engine) as session:
        row = session.get(OutboxEmail, row_id)
        assert row is not None
        return row


def test_enqueue_twice_with_the_same_key_makes_one_row(session: Session, now: datetime):
    first = outbox.enqueue(session, message=_msg(), dedupe_key="disconnect:1:1:7", now=now)
    second = outbox.enqueue(session, message=_msg(), dedupe_key="disconnect:1:1:7", now=now)
    session.commit()
    assert first.id == second.id
    rows = session.exec(select(OutboxEmail)).all()
    assert len(rows) == 1
    assert rows[0].status == OutboxStatus.pending and rows[0].next_attempt_at == now


def test_enqueue_is_safe_when_workers_race(engine: Engine, now: datetime):
    def one(_: int) -> int:
        return _enqueue(engine, now, key="race")

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = set(pool.map(one, range(16)))
    assert len(ids) == 1
    with Session(engine) as session:
        assert len(session.exec(select(OutboxEmail)).all()) == 1


def test_enqueue_is_part_of_the_callers_transaction(engine: Engine, now: datetime):
    with Session(engine) as session:
        outbox.enqueue(session, message=_msg(), dedupe_key="k", now=now)
        session.rollback()
    with Session(engine) as session:
        assert session.exec(select(OutboxEmail)).all() == []


def test_drain_sends_once_and_a_second_drain_sends_nothing(engine: Engine, now: datetime):
    row_id = _enqueue(engine, now)
    sender = RecordingSender()

    result = outbox.drain(engine, sender=sender, now=now)
    again = outbox.drain(engine, sender=sender, now=now + timedelta(hours=1))

    assert (result.sent, result.failed, result.retrying) == (1, 0, 0)
    assert again == outbox.DrainResult()
    assert len(sender.sent) == 1
    message, message_id = sender.sent[0]
    assert message.to == "owner@brand.example"
    assert message_id.startswith(f"outbox:{row_id}:k1:")
    row = _row(engine, row_id)
    assert row.status == OutboxStatus.sent and row.sent_at == now and row.attempts == 1


def test_mail_not_yet_due_waits(engine: Engine, now: datetime):
    _enqueue(engine, now)
    sender = RecordingSender()
    assert outbox.drain(engine, sender=sender, now=now - timedelta(seconds=1)).sent == 0
    assert sender.sent == []


def test_transient_failure_is_retried_after_backoff_not_before(engine: Engine, now: datetime):
    row_id = _enqueue(engine, now)
    sender = RecordingSender(errors=[MailError("451 try later", permanent=False)] * 2)

    assert outbox.drain(engine, sender=sender, now=now).retrying == 1
    row = _row(engine, row_id)
    assert row.status == OutboxStatus.pending and row.attempts == 1
    assert row.next_attempt_at == now + timedelta(minutes=1)
    assert row.last_error == "451 try later"

    # Not before the backoff has passed...
    assert outbox.drain(engine, sender=sender, now=now + timedelta(seconds=59)).retrying == 0
    assert sender.attempts == 1
    # ...then again, and the second wait is twice as long.
    assert outbox.drain(engine, sender=sender, now=now + timedelta(minutes=1)).retrying == 1
    assert _row(engine, row_id).next_attempt_at == now + timedelta(minutes=3)
    assert outbox.drain(engine, sender=sender, now=now + timedelta(minutes=3)).sent == 1
    row = _row(engine, row_id)
    assert row.status == OutboxStatus.sent and row.attempts == 3 and row.last_error is None
    assert len(sender.sent) == 1


def test_backoff_doubles_and_is_capped():
    assert [outbox.backoff(n).total_seconds() / 60 for n in range(1, 9)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        60,
        60,
    ]


def test_after_max_attempts_the_mail_fails(engine: Engine, now: datetime):
    row_id = _enqueue(engine, now)
    sender = RecordingSender(errors=[MailError("timeout", permanent=False)] * 20)
    at = now
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.drain(engine, sender=sender, now=at)
        at += timedelta(hours=2)
    row = _row(engine, row_id)
    assert row.status == OutboxStatus.failed and row.attempts == outbox.MAX_ATTEMPTS
    assert outbox.drain(engine, sender=sender, now=at + timedelta(days=1)) == outbox.DrainResult()
    assert sender.attempts == outbox.MAX_ATTEMPTS


def test_permanent_failure_fails_at_once(engine: Engine, now: datetime):
    row_id = _enqueue(engine, now)
    sender = RecordingSender(errors=[MailError("550 no such user", permanent=True)])
    assert outbox.drain(engine, sender=sender, now=now).failed == 1
    row = _row(engine, row_id)
    assert row.status == OutboxStatus.failed and row.last_error == "550 no such user"
    assert outbox.drain(engine, sender=sender, now=now + timedelta(days=1)).failed == 0


def test_mail_stuck_in_sending_after_a_crash_is_failed_not_resent(engine: Engine, now: datetime):
    row_id = _enqueue(engine, now)
    with Session(engine) as session:  # a drain claimed it, then the process died
        session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id == row_id)
            .values(status=OutboxStatus.sending.value, claimed_at=now, attempts=1)
        )
        session.commit()
    sender = RecordingSender()

    soon = outbox.drain(engine, sender=sender, now=now + timedelta(minutes=1))
    assert soon == outbox.DrainResult()  # might still be mid-send: leave it
    later = outbox.drain(engine, sender=sender, now=now + timedelta(minutes=10))

    assert later.unknown == 1 and later.failed == 1
    assert sender.sent == []
    row = _row(engine, row_id)
    assert row.status == OutboxStatus.failed
    assert row.last_error == "delivery state unknown after crash"


def test_a_removed_member_gets_nothing_more(engine: Engine, now: datetime):
    gone = _enqueue(engine, now, key="a", to="Gone@Brand.example")
    stays = _enqueue(engine, now, key="b", to="stays@brand.example")
    with Session(engine) as session:
        cancelled = outbox_cancel.cancel_pending(
            session, workspace_id=1, to_address="gone@brand.example", reason="gone"
        )
        other_ws = outbox_cancel.cancel_pending(
            session, workspace_id=2, to_address="stays@brand.example", reason="gone"
        )
        session.commit()
    assert (cancelled, other_ws) == (1, 0)

    sender = RecordingSender()
    assert outbox.drain(engine, sender=sender, now=now).sent == 1
    assert [m.to for m in sender.messages] == ["stays@brand.example"]
    assert _row(engine, gone).status == OutboxStatus.cancelled
    assert _row(engine, stays).status == OutboxStatus.sent


def test_two_drains_at_once_never_send_a_mail_twice(engine: Engine, now: datetime):
    for i in range(10):
        _enqueue(engine, now, key=f"k{i}", to=f"user{i}@brand.example")

    class SlowSender(RecordingSender):
        lock = threading.Lock()

        def send(self, message: EmailMessage, *, message_id: str) -> None:
            time.sleep(0.01)
            with self.lock:
                super().send(message, message_id=message_id)

    sender = SlowSender()
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: outbox.drain(engine, sender=sender, now=now), range(3)))

    assert sum(r.sent for r in results) == 10
    assert sorted(m.to for m in sender.messages) == sorted(
        f"user{i}@brand.example" for i in range(10)
    )


def test_a_bug_in_the_sender_fails_the_mail_without_retrying(engine: Engine, now: datetime):
    row_id = _enqueue(engine, now)

    class Broken:
        def send(self, message: EmailMessage, *, message_id: str) -> None:
            raise RuntimeError("boom")

    assert outbox.drain(engine, sender=Broken(), now=now).failed == 1
    row = _row(engine, row_id)
    assert row.status == OutboxStatus.failed and "boom" in (row.last_error or "")


# Giving up (issue 11, item 8): bounded, said once in the log, no traceback, counted.


def _give_ups(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "gave up" in r.getMessage()]


def test_a_mail_that_always_fails_is_given_up_after_max_attempts_with_one_warning(
    engine: Engine, now: datetime, caplog: pytest.LogCaptureFixture
):
    row_id = _enqueue(engine, now)
    sender = RecordingSender(errors=[MailError("451 try later", permanent=False)] * 100)
    caplog.set_level(logging.INFO, logger="archive_app.services.outbox")
    at = now
    for _ in range(3 * outbox.MAX_ATTEMPTS):
        outbox.drain(engine, sender=sender, now=at)
        at += outbox.MAX_BACKOFF
    row = _row(engine, row_id)
    assert row.status == OutboxStatus.failed and row.attempts == outbox.MAX_ATTEMPTS
    assert sender.attempts == outbox.MAX_ATTEMPTS
    [give_up] = _give_ups(caplog)
    assert give_up.levelno == logging.WARNING and give_up.exc_info is None
    message = give_up.getMessage()
    assert f"mail {row_id} to owner@brand.example" in message
    assert f"{outbox.MAX_ATTEMPTS} attempts" in message and "451 try later" in message
    assert all(r.exc_info is None for r in caplog.records)


def test_a_permanent_error_is_given_up_at_once_with_one_warning(
    engine: Engine, now: datetime, caplog: pytest.LogCaptureFixture
):
    row_id = _enqueue(engine, now)
    sender = RecordingSender(
        errors=[MailError("recipient refused: 550 no such user", permanent=True)]
    )
    outbox.drain(engine, sender=sender, now=now)
    outbox.drain(engine, sender=sender, now=now + timedelta(days=1))
    assert _row(engine, row_id).status == OutboxStatus.failed
    [give_up] = _give_ups(caplog)
    assert "permanent error" in give_up.getMessage() and give_up.exc_info is None


def test_an_encoding_error_from_a_sender_fails_the_mail_at_once_without_a_traceback(
    engine: Engine, now: datetime, caplog: pytest.LogCaptureFixture
):
    """A sender that lets smtplib's UnicodeEncodeError through (an address like 🚀@example.org):
    retrying cannot help, and it is not a bug in our code, so no traceback."""
    row_id = _enqueue(engine, now, to="🚀@example.org")

    class AsciiOnly:
        attempts = 0

        def send(self, message: EmailMessage, *, message_id: str) -> None:
            self.attempts += 1
            f"rcpt TO:<{message.to}>".encode("ascii")

    sender = AsciiOnly()
    first = outbox.drain(engine, sender=sender, now=now)
    later = outbox.drain(engine, sender=sender, now=now + timedelta(days=1))
    assert (first.failed, later, sender.attempts) == (1, outbox.DrainResult(), 1)
    row = _row(engine, row_id)
    assert row.status == OutboxStatus.failed and row.attempts == 1
    assert (row.last_error or "").startswith("cannot encode the message for SMTP")
    [give_up] = _give_ups(caplog)
    assert give_up.levelno == logging.WARNING
    assert all(r.exc_info is None for r in caplog.records)


def test_failed_count_reports_the_mails_given_up_on(engine: Engine, now: datetime):
    _enqueue(engine, now, key="a", to="a@brand.example")
    with Session(engine) as session:  # one of no workspace
        outbox.enqueue(session, message=_msg("d@x.example"), dedupe_key="d", now=now)
        session.commit()
    _enqueue(engine, now, key="b", to="b@brand.example")
    _enqueue(engine, now, key="c", to="c@brand.example")
    refused, later = MailError("550 no", permanent=True), MailError("450 later", permanent=False)
    sender = RecordingSender(errors=[refused, refused, later])
    outbox.drain(engine, sender=sender, now=now)  # a, d fail; b retries; c is sent
    with Session(engine) as session:
        assert admin.failed_count(session) == 2
        assert admin.failed_count(session, workspace_id=1) == 1
        assert admin.failed_count(session, workspace_id=2) == 0


def test_a_shutdown_mid_batch_finishes_the_mail_being_sent_and_leaves_the_rest_pending(
    engine: Engine, now: datetime
):
    ids = [_enqueue(engine, now, key=f"batch:{i}", to=f"m{i}@brand.example") for i in range(5)]
    stopping = threading.Event()

    class SigtermDuringSecondSend(RecordingSender):
        def send(self, message, *, message_id):
            super().send(message, message_id=message_id)
            if len(self.sent) == 2:
                stopping.set()  # SIGTERM arrives while this mail is on the wire

    first = SigtermDuringSecondSend()
    result = outbox.drain(engine, sender=first, now=now, stop=stopping.is_set)
    assert result.sent == 2
    statuses = [_row(engine, i).status for i in ids]
    assert statuses == [OutboxStatus.sent] * 2 + [OutboxStatus.pending] * 3  # none "sending"
    # after the restart: the rest, and only the rest
    second = RecordingSender()
    assert outbox.drain(engine, sender=second, now=now + timedelta(seconds=5)).sent == 3
    delivered = [m.to for m in first.messages] + [m.to for m in second.messages]
    assert sorted(delivered) == [f"m{i}@brand.example" for i in range(5)]
