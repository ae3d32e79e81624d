"""mention search trigram indexes (PostgreSQL only)

Revision ID: 9e4b7c1d2a63
Revises: 5c2d8e4b7a10
Create Date: 2026-12-04 10:00:00.000000

The Feed searches captions and creator handles with ILIKE '%term%'. On PostgreSQL, GIN
trigram indexes keep that fast at 100,000 mentions whatever the word (bench/feed.py); SQLite
has no such index and reads the feed's own index instead, so nothing changes there.
"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '9e4b7c1d2a63'
down_revision: Union[str, Sequence[str], None] = '5c2d8e4b7a10'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = ("caption", "creator_handle")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        op.create_index(
            f"ix_mentions_{column}_trgm",
            "mentions",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.drop_index(f"ix_mentions_{column}_trgm", table_name="mentions")
