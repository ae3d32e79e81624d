"""password resets and setup codes

Revision ID: c3a1f0e2b418
Revises: 9e4b7c1d2a63
Create Date: 2026-12-05 10:00:00.000000

"Forgot password?" links (only the SHA-256 of each token, and a fingerprint of the password
they may replace), and the one-time setup codes a fresh production instance prints at start.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import archive_app.models.base


# revision identifiers, used by Alembic.
revision: str = 'c3a1f0e2b418'
down_revision: Union[str, Sequence[str], None] = '9e4b7c1d2a63'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('password_resets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('password_fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', archive_app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', archive_app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', archive_app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_resets_user_id'), ['user_id'], unique=False)

    op.create_table('setup_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', archive_app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('setup_codes')
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_resets_user_id'))

    op.drop_table('password_resets')
