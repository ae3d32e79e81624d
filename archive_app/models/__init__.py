"""Tables. Importing this package registers every table on ``SQLModel.metadata`` (for Alembic)."""

from archive_app.models import auth, notifications, sources, webhooks, workspaces

__all__ = ["auth", "notifications", "sources", "webhooks", "workspaces"]
