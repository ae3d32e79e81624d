"""Tables. Importing this package registers every table on ``SQLModel.metadata`` (for Alembic)."""

from archive_app.models import (
    auth,
    email_change,
    job_requests,
    media,
    mention_days,
    mentions,
    notifications,
    password_reset,
    rights,
    rights_proof,
    rights_terms,
    sources,
    webhooks,
    workspaces,
)

__all__ = [
    "auth",
    "email_change",
    "job_requests",
    "media",
    "mention_days",
    "mentions",
    "notifications",
    "password_reset",
    "rights",
    "rights_proof",
    "rights_terms",
    "sources",
    "webhooks",
    "workspaces",
]
