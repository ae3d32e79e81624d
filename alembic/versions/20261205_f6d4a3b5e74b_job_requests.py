"""job requests

Revision ID: f6d4a3b5e74b
Revises: e5c3f2a4d63a
Create Date: 2026-12-05 14:00:00.000000

"Run this job soon" from any process (a replica that is not the scheduler leader included):
one row per (job, target), so repeated requests coalesce; the leader deletes the rows it
takes (jobs/scheduler.py).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import archive_app.models.base


# revision identifiers, used by Alembic.
revision: str = 'f6d4a3b5e74b'
down_revision: Union[str, Sequence[str], None] = 'e5c3f2a4d63a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('job_requests',
    sa.Column('job', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('requested_at', archive_app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('job', 'target')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('job_requests')
