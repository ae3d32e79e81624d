"""avatars kept

Revision ID: b3f1c8d2e4a6
Revises: c9a7d6e8b07e
Create Date: 2026-12-06 06:30:00.000000

Sources' and creators' avatars kept in the media store like covers: the owners' ``avatar_key``
and the fetch state ``avatar_fetches``.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import archive_app.models.base


# revision identifiers, used by Alembic.
revision: str = 'b3f1c8d2e4a6'
down_revision: Union[str, Sequence[str], None] = 'c9a7d6e8b07e'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('avatar_fetches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('creator_id', sa.Integer(), nullable=True),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_try_at', archive_app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('avatar_fetches', schema=None) as batch_op:
        batch_op.create_index('ix_avatar_fetches_due', ['status', 'next_try_at'], unique=False)
        batch_op.create_index('ux_avatar_fetches_creator', ['creator_id'], unique=True)
        batch_op.create_index('ux_avatar_fetches_source', ['source_id'], unique=True)

    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('avatar_key', sqlmodel.sql.sqltypes.AutoString(length=255), server_default='', nullable=False))
    with op.batch_alter_table('creators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('avatar_key', sqlmodel.sql.sqltypes.AutoString(length=255), server_default='', nullable=False))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('creators', schema=None) as batch_op:
        batch_op.drop_column('avatar_key')
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_column('avatar_key')
    op.drop_table('avatar_fetches')
