"""Tables. Importing this package registers every table on ``SQLModel.metadata`` (for Alembic)."""

from archive_app.models import (
    auth,
    mentions,
    notifications,
    rights,
    sources,
    webhooks,
    workspaces,
)

__all__ = ["auth", "mentions", "notifications", "rights", "sources", "webhooks", "workspaces"]
