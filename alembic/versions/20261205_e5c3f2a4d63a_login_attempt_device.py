"""login attempts remember the device cookie they came with

Revision ID: e5c3f2a4d63a
Revises: d4b2e1f3c529
Create Date: 2026-12-05 12:00:00.000000

A browser that logged in to an account before carries a signed device cookie; its failed
tries are counted by that cookie's id, so failures from elsewhere never lock it out
(services/login_throttle.py).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = 'e5c3f2a4d63a'
down_revision: Union[str, Sequence[str], None] = 'd4b2e1f3c529'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('device', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.create_index(batch_op.f('ix_login_attempts_device'), ['device'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempts_device'))
        batch_op.drop_column('device')
