"""A maximum number of runs per rule.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rules') as batch:
        batch.add_column(sa.Column('max_runs', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('fired_runs', sa.Integer(),
                                   nullable=False, server_default='0'))
