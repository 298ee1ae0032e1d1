"""The database restarted under load: every fire time still runs once.

Schedulers and executors run with the product's defaults on a private
PostgreSQL server, with over a hundred rules due every few seconds. The
server is stopped (a fast shutdown, as a service restart does, or a
crash) for ``database_downtime`` seconds of the profile, then started
again. Every fire time, those due during the outage included, must run
exactly once; the test prints how soon the deployment caught up.
"""

import datetime
import time

import pytest

from migrator_scheduler.tests.functional import cluster as cluster_mod
from migrator_scheduler.tests.functional.faults import profile
from migrator_scheduler.tests.functional.faults import recovery

RULES = 120
PERIOD = 3
SLEEPERS = 10
# Started at the fire time before the outage, they end in the middle of
# it (the server stops half a period after that fire time).
SLEEP_SECONDS = PERIOD * 0.8
# Firing before the fault, so it hits a deployment in its stride.
WARM_UP = 2 * PERIOD
# Firing after the deployment caught up, to see it stay healthy.
COOL_DOWN = 2 * PERIOD
MARGIN = datetime.timedelta(seconds=5)
# What the deployment may need, with its defaults, to catch up after
# the server is back: a cast lost in the outage is cast again after
# [scheduler] redispatch_after (30 s), a run whose outcome could not be
# written is reaped after [executor] lost_run_timeout (60 s). Generous:
# it bounds a wait, it does not judge speed.
CATCH_UP_TIMEOUT = 150

DIAGNOSTICS = (
    'Scheduler iteration failed', 'Could not cast',
    'Could not record the cast', 'pending runs again',
    'Could not record the outcome', 'lost their executor',
    'Heartbeat failed', 'Traceback')


@pytest.mark.parametrize('mode', ['fast', 'immediate'])
def test_database_restart_under_load(private_pg_cluster, private_postgresql,
                                     mode):
    """Stop PostgreSQL (``fast`` or ``immediate``) while rules fire."""
    cluster = private_pg_cluster
    cluster.tuned = False
    downtime = profile.current().database_downtime
    names = cluster.start(schedulers=2, executors=2)
    record = {'record': cluster.record_file}
    rules = cluster_mod.create_rules(RULES, PERIOD, job_args=record)
    # Jobs still running when the server goes away, whose outcome can
    # only be written once it is back.
    rules.update(cluster_mod.create_rules(
        SLEEPERS, PERIOD, job_type='sleep', name='sleep',
        job_args={'seconds': SLEEP_SECONDS, **record}))
    cluster.run_for(WARM_UP, alive=names)

    # Half-way between two fire times: runs of the next ones are planned
    # ahead and held for casting, and the next cast comes in the outage.
    after = cluster_mod.utcnow()
    cluster_mod.sleep_until(recovery.next_instant(rules, after) +
                            datetime.timedelta(seconds=PERIOD / 2))
    down_at = cluster_mod.utcnow()
    private_postgresql.stop(mode)
    try:
        time.sleep(downtime)
    finally:
        private_postgresql.start()
    back_at = cluster_mod.utcnow()

    first_after = recovery.next_instant(rules, back_at)
    runs = recovery.wait_caught_up(rules, first_after, CATCH_UP_TIMEOUT)
    started = recovery.last_starts(runs)
    outage = recovery.instants(rules, down_at, back_at)
    cluster.run_for(COOL_DOWN, alive=names)
    paused_at = cluster_mod.utcnow()
    cluster_mod.pause_rules(rules)
    cluster_mod.wait_drained(timeout=CATCH_UP_TIMEOUT)
    runs = cluster.verify(rules, paused_at - MARGIN)

    backlog = max(started[when] for when in outage) - back_at
    next_run = started[first_after] - back_at
    print(f'PostgreSQL {mode} stop: down '
          f'{recovery.seconds(back_at - down_at):.1f}s, '
          f'{len(outage)} fire times due meanwhile; after it was back, '
          f'their runs had all started within '
          f'{recovery.seconds(backlog):.1f}s and the runs of the first '
          f'fire time after it within {recovery.seconds(next_run):.1f}s '
          f'({recovery.seconds(started[first_after] - first_after):.1f}s '
          f'late); {len(runs)} runs in all')
    counts = recovery.log_counts(cluster, DIAGNOSTICS)
    print(f'log lines: {counts}')
    assert outage, 'no fire time fell in the outage'
    # Jobs that ended in the outage were recorded once it was back, not
    # given up and run again.
    assert counts['Could not record the outcome'] == 0, counts
    assert counts['lost their executor'] == 0, counts
