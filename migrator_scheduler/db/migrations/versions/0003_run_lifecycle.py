"""Run policies: timeout and retries, and every attempt of a run kept.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

from migrator_scheduler.db.types import UTCDateTime

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rules') as batch:
        for column in ('job_timeout', 'max_attempts', 'retry_delay',
                       'retry_max_delay'):
            batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
    with op.batch_alter_table('runs') as batch:
        batch.add_column(sa.Column('retry_at', UTCDateTime(), nullable=True))
    op.create_table(
        'run_attempts',
        sa.Column('run_id', sa.String(36), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('executor_host', sa.String(255), nullable=True),
        sa.Column('started_at', UTCDateTime(), nullable=True),
        sa.Column('finished_at', UTCDateTime(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ['run_id'], ['runs.id'], ondelete='CASCADE',
            name='fk_run_attempts_run_id_runs'),
        sa.PrimaryKeyConstraint('run_id', 'attempt',
                                name='pk_run_attempts'),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
