"""Spreading: a window and jitter per rule, a start time per run.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

from migrator_scheduler.db.types import UTCDateTime

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rules') as batch:
        for column in ('spread_window', 'spread_jitter'):
            batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
    with op.batch_alter_table('runs') as batch:
        batch.add_column(sa.Column('start_after', UTCDateTime(),
                                   nullable=True))
