"""Each scheduler's own view of the group, for cluster status.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

from migrator_scheduler.db.types import UTCDateTime

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'schedulers',
        sa.Column('member_id', sa.String(255), nullable=False),
        sa.Column('host', sa.String(255), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('started_at', UTCDateTime(), nullable=False),
        sa.Column('reported_at', UTCDateTime(), nullable=False),
        sa.Column('listed_at', UTCDateTime(), nullable=True),
        sa.Column('members', sa.Text(), nullable=False),
        sa.Column('ring_fingerprint', sa.String(32), nullable=False),
        sa.Column('owned_buckets', sa.Integer(), nullable=False),
        sa.Column('num_buckets', sa.Integer(), nullable=False),
        sa.Column('ring_points', sa.Integer(), nullable=False),
        sa.Column('tz_version', sa.String(32), nullable=True),
        sa.Column('clock_offset', sa.Float(), nullable=True),
        sa.Column('fired_rules', sa.BigInteger(), nullable=False),
        sa.Column('rescued_rules', sa.BigInteger(), nullable=False),
        sa.Column('rescued_runs', sa.BigInteger(), nullable=False),
        sa.Column('rejoins', sa.Integer(), nullable=False),
        sa.Column('code_version', sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint('member_id', name='pk_schedulers'),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
