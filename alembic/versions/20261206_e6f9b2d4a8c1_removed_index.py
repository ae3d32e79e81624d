"""the removed videos' index

Revision ID: e6f9b2d4a8c1
Revises: d5e8a1c3f7b9
Create Date: 2026-12-06 13:30:00.000000

Issue 23, item 9: the Feed's "Removed from TikTok: Only these" read the whole Feed index to
find the few removed videos (2 s at a million mentions on SQLite, 109 ms on PostgreSQL).
``ix_mentions_removed`` holds only them, newest first; "Hide them" counts the kept counts minus
these (archive_app/services/mentions/feed_overview.py).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'e6f9b2d4a8c1'
down_revision: Union[str, Sequence[str], None] = 'd5e8a1c3f7b9'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


# Not in batch mode: a batch that copied ``mentions`` on SQLite would drop its search triggers.
def upgrade() -> None:
    op.create_index(
        'ix_mentions_removed',
        'mentions',
        ['workspace_id', 'posted_at', 'id'],
        unique=False,
        sqlite_where=sa.text('removed_at IS NOT NULL'),
        postgresql_where=sa.text('removed_at IS NOT NULL'),
    )


def downgrade() -> None:
    op.drop_index('ix_mentions_removed', table_name='mentions')
