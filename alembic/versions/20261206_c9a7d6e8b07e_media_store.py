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
    op.create_table('media_objects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('mention_id', sa.Integer(), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('created_at', archive_app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mention_id'], ['mentions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['rights_requests.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('media_objects', schema=None) as batch_op:
        batch_op.create_index('ix_media_objects_mention', ['mention_id', 'kind'], unique=False)
        batch_op.create_index('ux_media_objects_request', ['request_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_media_objects_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('cover_fetches',
    sa.Column('mention_id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_try_at', archive_app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('video_checked_at', archive_app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['mention_id'], ['mentions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['object_id'], ['media_objects.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('mention_id')
    )
    with op.batch_alter_table('cover_fetches', schema=None) as batch_op:
        batch_op.create_index('ix_cover_fetches_checked', ['video_checked_at'], unique=False)
        batch_op.create_index('ix_cover_fetches_due', ['status', 'next_try_at'], unique=False)

    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_at', archive_app.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.drop_column('removed_at')
    op.drop_table('cover_fetches')
    op.drop_table('media_objects')
