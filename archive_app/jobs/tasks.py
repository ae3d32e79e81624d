"""The jobs. Each is thin: open what it needs, call one service in a thread, return counts.

Blocking work (SMTP, sync SQL) runs in ``asyncio.to_thread`` so the event loop that serves the
websockets never waits on it. Every job is safe to run twice.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict

from archive_app.clock import app_clock
from archive_app.db import get_engine
from archive_app.jobs.scheduler import register_job
from archive_app.mail.sender import SmtpSender
from archive_app.services import outbox
from archive_app.settings import get_settings

DRAIN_OUTBOX = "drain_outbox"


async def drain_outbox() -> dict[str, int]:
    """Send the mail that is due (see services/outbox.py for the at-most-once rules)."""
    result = await asyncio.to_thread(
        outbox.drain,
        get_engine(),
        sender=SmtpSender(get_settings()),
        now=app_clock().now(),
    )
    return asdict(result)


register_job(DRAIN_OUTBOX, drain_outbox, seconds=5)
