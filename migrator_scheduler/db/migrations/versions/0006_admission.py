"""Overlap policies and concurrency limits: runs admitted or kept waiting.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

from migrator_scheduler.db.types import UTCDateTime

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rules') as batch:
        batch.add_column(sa.Column('overlap_policy', sa.String(16),
                                   nullable=True))
        batch.add_column(sa.Column('concurrency_key', sa.String(255),
                                   nullable=True))
    with op.batch_alter_table('runs') as batch:
        batch.add_column(sa.Column('concurrency_key', sa.String(255),
                                   nullable=True))
        batch.add_column(sa.Column('cancel_requested_at', UTCDateTime(),
                                   nullable=True))
    op.create_index('ix_runs_rule_id_state', 'runs', ['rule_id', 'state'])
    op.create_index('ix_runs_concurrency_key_state', 'runs',
                    ['concurrency_key', 'state'])
    op.create_table(
        'concurrency_limits',
        sa.Column('key', sa.String(255), nullable=False),
        sa.Column('max_running', sa.Integer(), nullable=True),
        sa.Column('updated_at', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('key', name='pk_concurrency_limits'),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
