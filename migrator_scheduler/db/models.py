"""Table definitions (SQLAlchemy Core).

The migrations in ``migrations/versions`` must produce exactly these
tables; a functional test compares the two on every backend.
"""

import sqlalchemy as sa

from migrator_scheduler.db.types import UTCDateTime

metadata = sa.MetaData(naming_convention={
    'ix': 'ix_%(table_name)s_%(column_0_N_name)s',
    'uq': 'uq_%(table_name)s_%(column_0_N_name)s',
    'fk': 'fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s',
    'pk': 'pk_%(table_name)s',
})

# The migration that creates exactly these tables. Processes compare it
# with the database's without loading alembic; a unit test keeps it equal
# to the newest migration.
SCHEMA_REVISION = '0008'

RUN_STATES = ('pending', 'waiting', 'running', 'succeeded', 'failed',
              'timed_out', 'lost', 'cancelled', 'skipped')
FINAL_RUN_STATES = ('succeeded', 'failed', 'timed_out', 'lost',
                    'cancelled', 'skipped')

deployment = sa.Table(
    'deployment', metadata,
    sa.Column('name', sa.String(64), primary_key=True),
    sa.Column('value', sa.String(255), nullable=False),
)

rules = sa.Table(
    'rules', metadata,
    sa.Column('id', sa.String(36), primary_key=True),
    sa.Column('project_id', sa.String(255), nullable=False),
    sa.Column('name', sa.String(255), nullable=False),
    sa.Column('description', sa.Text, nullable=True),
    sa.Column('job_type', sa.String(255), nullable=False),
    sa.Column('job_args', sa.Text, nullable=False),
    sa.Column('trigger_kind', sa.String(16), nullable=False),
    sa.Column('trigger_expr', sa.String(255), nullable=False),
    sa.Column('timezone', sa.String(64), nullable=False),
    sa.Column('start_at', UTCDateTime, nullable=True),
    sa.Column('end_at', UTCDateTime, nullable=True),
    sa.Column('paused', sa.Boolean, nullable=False),
    sa.Column('misfire_policy', sa.String(16), nullable=False),
    sa.Column('misfire_grace_time', sa.Integer, nullable=True),
    # Run policies; NULL means the [executor] option of the same name.
    sa.Column('job_timeout', sa.Integer, nullable=True),
    sa.Column('max_attempts', sa.Integer, nullable=True),
    sa.Column('retry_delay', sa.Integer, nullable=True),
    sa.Column('retry_max_delay', sa.Integer, nullable=True),
    # Spreading in seconds; NULL means [scheduler] default_spread_window
    # and default_jitter.
    sa.Column('spread_window', sa.Integer, nullable=True),
    sa.Column('spread_jitter', sa.Integer, nullable=True),
    # skip | queue_one | allow | cancel_previous; NULL: [executor] option.
    sa.Column('overlap_policy', sa.String(16), nullable=True),
    # Template of the key whose concurrency limit the runs count against.
    sa.Column('concurrency_key', sa.String(255), nullable=True),
    # At most this many runs in all (NULL: no limit); fired_runs counts
    # the runs created so far for rules with a limit.
    sa.Column('max_runs', sa.Integer, nullable=True),
    sa.Column('fired_runs', sa.Integer, nullable=False,
              server_default='0'),
    sa.Column('bucket', sa.Integer, nullable=False),
    # NULL once the rule is paused or has no further fire time.
    sa.Column('next_fire_at', UTCDateTime, nullable=True),
    sa.Column('last_fire_at', UTCDateTime, nullable=True),
    # Compare-and-swap token: every change of next_fire_at bumps it.
    sa.Column('version', sa.Integer, nullable=False),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.Column('updated_at', UTCDateTime, nullable=True),
    sa.UniqueConstraint('project_id', 'name'),
    # The scheduler's due query: WHERE bucket IN (...) AND next_fire_at <=.
    sa.Index(None, 'bucket', 'next_fire_at'),
    # min(next_fire_at) over owned buckets, walked in time order.
    sa.Index(None, 'next_fire_at'),
)

runs = sa.Table(
    'runs', metadata,
    sa.Column('id', sa.String(36), primary_key=True),
    sa.Column('rule_id', sa.String(36),
              sa.ForeignKey('rules.id', ondelete='CASCADE'),
              nullable=False),
    sa.Column('bucket', sa.Integer, nullable=False),
    # Nominal fire time: with rule_id, the identity of a firing.
    sa.Column('scheduled_for', UTCDateTime, nullable=False),
    sa.Column('state', sa.String(16), nullable=False),
    sa.Column('attempt', sa.Integer, nullable=False),
    sa.Column('reason', sa.String(255), nullable=True),
    sa.Column('claim_token', sa.String(36), nullable=True),
    sa.Column('executor_host', sa.String(255), nullable=True),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.Column('dispatched_at', UTCDateTime, nullable=True),
    # A pending retry is not cast before this time (its backoff).
    sa.Column('retry_at', UTCDateTime, nullable=True),
    # Not cast before this time (the rule's spreading); NULL: at
    # scheduled_for. The run's due time wherever lateness is measured.
    sa.Column('start_after', UTCDateTime, nullable=True),
    # The rule's concurrency key, rendered, once the run was admitted.
    sa.Column('concurrency_key', sa.String(255), nullable=True),
    # Set to ask the executor running the run to cancel it.
    sa.Column('cancel_requested_at', UTCDateTime, nullable=True),
    # A manual run's deduplication key, given by whoever asked for it.
    sa.Column('request_key', sa.String(64), nullable=True),
    sa.Column('started_at', UTCDateTime, nullable=True),
    sa.Column('heartbeat_at', UTCDateTime, nullable=True),
    sa.Column('finished_at', UTCDateTime, nullable=True),
    sa.Column('result', sa.Text, nullable=True),
    sa.Column('error', sa.Text, nullable=True),
    sa.UniqueConstraint('rule_id', 'scheduled_for'),
    sa.UniqueConstraint('rule_id', 'request_key'),
    # The owner's sweep: pending/running runs of its buckets.
    sa.Index(None, 'bucket', 'state'),
    sa.Index(None, 'state', 'heartbeat_at'),
    # ``run list`` over every rule, newest first, within a time range.
    sa.Index(None, 'scheduled_for'),
    # The purge: final runs finished before a cutoff, oldest first. Runs
    # not yet final have none, so they are not even in this index.
    sa.Index(None, 'finished_at'),
    # Admission: the running (or waiting) runs of a rule, of a key.
    sa.Index(None, 'rule_id', 'state'),
    sa.Index(None, 'concurrency_key', 'state'),
)

# Concurrency limits by key; a key without a row of its own has
# [executor] concurrency_limit. Rows are also what admission locks.
concurrency_limits = sa.Table(
    'concurrency_limits', metadata,
    sa.Column('key', sa.String(255), primary_key=True),
    # NULL: the [executor] default.
    sa.Column('max_running', sa.Integer, nullable=True),
    sa.Column('updated_at', UTCDateTime, nullable=True),
)



def run_due_at() -> sa.ColumnElement:
    """When a run is due: its start time, else its nominal time. A run
    waiting for its start (spreading) is neither cast nor late before."""
    return sa.func.coalesce(runs.c.start_after, runs.c.scheduled_for)


# The attempts of a run that came before its current one: the run's own
# row always describes its latest attempt.
run_attempts = sa.Table(
    'run_attempts', metadata,
    sa.Column('run_id', sa.String(36),
              sa.ForeignKey('runs.id', ondelete='CASCADE'),
              primary_key=True),
    sa.Column('attempt', sa.Integer, primary_key=True),
    # failed | timed_out | lost
    sa.Column('state', sa.String(16), nullable=False),
    sa.Column('executor_host', sa.String(255), nullable=True),
    sa.Column('started_at', UTCDateTime, nullable=True),
    sa.Column('finished_at', UTCDateTime, nullable=False),
    sa.Column('error', sa.Text, nullable=True),
)

# One row per scheduler process: its own view of the group, as it last
# reported it. ``cluster status`` puts them side by side.
schedulers = sa.Table(
    'schedulers', metadata,
    sa.Column('member_id', sa.String(255), primary_key=True),
    sa.Column('host', sa.String(255), nullable=False),
    sa.Column('pid', sa.Integer, nullable=False),
    # active | clock-skewed | stopping
    sa.Column('state', sa.String(16), nullable=False),
    sa.Column('started_at', UTCDateTime, nullable=False),
    # The database server's clock when the report was written.
    sa.Column('reported_at', UTCDateTime, nullable=False),
    # When this scheduler last listed the group successfully.
    sa.Column('listed_at', UTCDateTime, nullable=True),
    # JSON list of the member ids it sees.
    sa.Column('members', sa.Text, nullable=False),
    sa.Column('ring_fingerprint', sa.String(32), nullable=False),
    sa.Column('owned_buckets', sa.Integer, nullable=False),
    sa.Column('num_buckets', sa.Integer, nullable=False),
    sa.Column('ring_points', sa.Integer, nullable=False),
    sa.Column('tz_version', sa.String(32), nullable=True),
    # Seconds the database server's clock is ahead of this host's.
    sa.Column('clock_offset', sa.Float, nullable=True),
    sa.Column('fired_rules', sa.BigInteger, nullable=False),
    sa.Column('rescued_rules', sa.BigInteger, nullable=False),
    sa.Column('rescued_runs', sa.BigInteger, nullable=False),
    sa.Column('rejoins', sa.Integer, nullable=False),
    sa.Column('code_version', sa.String(64), nullable=True),
)
