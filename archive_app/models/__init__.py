"""Tables. Importing this package registers every table on ``SQLModel.metadata`` (for Alembic)."""

from archive_app.models import auth, notifications, webhooks, workspaces

__all__ = ["auth", "notifications", "webhooks", "workspaces"]
