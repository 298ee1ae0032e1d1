"""Indexes of the run ledger: runs by nominal time and by finish time.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-09
"""

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_runs_scheduled_for', 'runs', ['scheduled_for'])
    op.create_index('ix_runs_finished_at', 'runs', ['finished_at'])
