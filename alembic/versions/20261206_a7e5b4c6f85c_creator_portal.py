"""creator portal

Revision ID: a7e5b4c6f85c
Revises: f6d4a3b5e74b
Create Date: 2026-12-06 03:00:00.000000

The schema of the rights loop (issue 20), in one step: each usage-rights request's link for the creator (/r/<token>), the creator's answer and its proof, Spark Ads codes.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import archive_app.models.base


# revision identifiers, used by Alembic.
revision: str = 'a7e5b4c6f85c'
down_revision: Union[str, Sequence[str], None] = 'f6d4a3b5e74b'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('custom_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('text', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', archive_app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('retired_at', archive_app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('custom_terms', schema=None) as batch_op:
        batch_op.create_index('ix_custom_terms_workspace', ['workspace_id', 'created_at'], unique=False)

    op.create_table('rights_proofs',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('answered_at', archive_app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('terms_id', sa.Integer(), nullable=True),
    sa.Column('terms_version', sa.Integer(), nullable=True),
    sa.Column('terms_url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('terms_text', sa.Text(), server_default='', nullable=False),
    sa.Column('videos_json', sa.Text(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_agent', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('identified_by', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('tiktok_open_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('tiktok_username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('spark_duration_days', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['rights_requests.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['terms_id'], ['custom_terms.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('request_id')
    )
    with op.batch_alter_table('rights_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=16), server_default='usage_rights', nullable=False))
        batch_op.add_column(sa.Column('spark_duration_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('link_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('terms_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('response_note', sqlmodel.sql.sqltypes.AutoString(length=1000), server_default='', nullable=False))
        batch_op.add_column(sa.Column('spark_code_enc', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True))
        batch_op.add_column(sa.Column('spark_expires_at', archive_app.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', archive_app.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint('uq_rights_requests_link_hash', ['link_hash'])
        batch_op.create_foreign_key('fk_rights_requests_terms_id', 'custom_terms', ['terms_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('rights_defaults', schema=None) as batch_op:
        batch_op.add_column(sa.Column('spark_message', sa.Text(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('rights_defaults', schema=None) as batch_op:
        batch_op.drop_column('spark_message')
    with op.batch_alter_table('rights_requests', schema=None) as batch_op:
        batch_op.drop_constraint('fk_rights_requests_terms_id', type_='foreignkey')
        batch_op.drop_constraint('uq_rights_requests_link_hash', type_='unique')
        for column in ('withdrawn_at', 'spark_expires_at', 'spark_code_enc', 'response_note',
                       'terms_id', 'link_hash', 'spark_duration_days', 'scope'):
            batch_op.drop_column(column)
    op.drop_table('rights_proofs')
    with op.batch_alter_table('custom_terms', schema=None) as batch_op:
        batch_op.drop_index('ix_custom_terms_workspace')
    op.drop_table('custom_terms')
