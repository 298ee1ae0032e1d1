"""Manual runs: a deduplication key per rule.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('runs') as batch:
        batch.add_column(sa.Column('request_key', sa.String(64),
                                   nullable=True))
        batch.create_unique_constraint('uq_runs_rule_id_request_key',
                                       ['rule_id', 'request_key'])
