"""media store

Revision ID: c9a7d6e8b07e
Revises: a7e5b4c6f85c
Create Date: 2026-12-06 03:00:00.000000

Covers and originals kept in the media store; videos removed from TikTok.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import archive_app.models.base


# revision identifiers, used by Alembic.
revision: str = 'c9a7d6e8b07e'
down_revision: Union[str, Sequence[str], None] = 'a7e5b4c6f85c'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""


def downgrade() -> None:
    """Downgrade schema."""
