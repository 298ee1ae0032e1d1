"""Initial schema: deployment, rules and runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from alembic import op
import sqlalchemy as sa

from migrator_scheduler.db.types import UTCDateTime

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'deployment',
        sa.Column('name', sa.String(64), nullable=False),
        sa.Column('value', sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint('name', name='pk_deployment'),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
    op.create_table(
        'rules',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('job_type', sa.String(255), nullable=False),
        sa.Column('job_args', sa.Text(), nullable=False),
        sa.Column('trigger_kind', sa.String(16), nullable=False),
        sa.Column('trigger_expr', sa.String(255), nullable=False),
        sa.Column('timezone', sa.String(64), nullable=False),
        sa.Column('start_at', UTCDateTime(), nullable=True),
        sa.Column('end_at', UTCDateTime(), nullable=True),
        sa.Column('paused', sa.Boolean(), nullable=False),
        sa.Column('misfire_policy', sa.String(16), nullable=False),
        sa.Column('misfire_grace_time', sa.Integer(), nullable=True),
        sa.Column('bucket', sa.Integer(), nullable=False),
        sa.Column('next_fire_at', UTCDateTime(), nullable=True),
        sa.Column('last_fire_at', UTCDateTime(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_rules'),
        sa.UniqueConstraint('project_id', 'name',
                            name='uq_rules_project_id_name'),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
    op.create_index('ix_rules_bucket_next_fire_at', 'rules',
                    ['bucket', 'next_fire_at'])
    op.create_index('ix_rules_next_fire_at', 'rules', ['next_fire_at'])
    op.create_table(
        'runs',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('rule_id', sa.String(36), nullable=False),
        sa.Column('bucket', sa.Integer(), nullable=False),
        sa.Column('scheduled_for', UTCDateTime(), nullable=False),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(255), nullable=True),
        sa.Column('claim_token', sa.String(36), nullable=True),
        sa.Column('executor_host', sa.String(255), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('dispatched_at', UTCDateTime(), nullable=True),
        sa.Column('started_at', UTCDateTime(), nullable=True),
        sa.Column('heartbeat_at', UTCDateTime(), nullable=True),
        sa.Column('finished_at', UTCDateTime(), nullable=True),
        sa.Column('result', sa.Text(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_runs'),
        sa.ForeignKeyConstraint(['rule_id'], ['rules.id'],
                                name='fk_runs_rule_id_rules',
                                ondelete='CASCADE'),
        sa.UniqueConstraint('rule_id', 'scheduled_for',
                            name='uq_runs_rule_id_scheduled_for'),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
    op.create_index('ix_runs_bucket_state', 'runs', ['bucket', 'state'])
    op.create_index('ix_runs_state_heartbeat_at', 'runs',
                    ['state', 'heartbeat_at'])
