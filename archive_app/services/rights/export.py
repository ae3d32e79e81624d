"""Manage Rights' `Export CSV`: the filtered table, every matching request (not only the first
page), with each request's scope, response date, Spark code expiry and proof link."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlmodel import Session

from archive_app import paths
from archive_app.services.rights.filters import RightsFilter
from archive_app.services.rights.manage import list_requests

CSV_COLUMNS = [
    "creator",
    "scope",
    "status",
    "reason",
    "requested at (UTC)",
    "sent at (UTC)",
    "responded at (UTC)",
    "requested by",
    "sent from",
    "status set by",
    "status set at (UTC)",
    "spark code expires at (UTC)",
    "proof",
    "videos",
    "message",
]


def export_csv(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    filters: RightsFilter = RightsFilter(),
    base_url: str = "",
) -> str:
    """The CSV; ``base_url`` (the public URL) makes the proof links absolute."""
    rows = list_requests(
        session, workspace_id=workspace_id, user_id=user_id, filters=filters, limit=100_000
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)

    def at(value: datetime | None) -> str:
        return value.strftime("%Y-%m-%d %H:%M") if value else ""

    for row in rows:
        proof = base_url.rstrip("/") + paths.rights_proof(row.request_id) if row.has_proof else ""
        cells = [
            "@" + row.creator_handle,
            row.scope_label,
            row.status_label,
            row.reason,
            at(row.requested_at),
            at(row.sent_at),
            at(row.responded_at),
            row.requested_by,
            "@" + row.sender_handle if row.sender_handle else "",
            row.status_set_by,
            at(row.status_set_at),
            at(row.spark_expires_at),
            proof,
            " ".join(v.url for v in row.videos),
            row.message,
        ]
        # Every cell, not only the typed ones: a handle or a link from TikTok is outside
        # text too, and "@..." or "=..." would run as a formula in a spreadsheet.
        writer.writerow([_safe(cell) for cell in cells])
    return out.getvalue()


def _safe(cell: str) -> str:
    """Text a spreadsheet must not run as a formula (OWASP's CSV injection guard)."""
    return "'" + cell if cell[:1] in {"=", "+", "-", "@", "\t", "\r"} else cell
