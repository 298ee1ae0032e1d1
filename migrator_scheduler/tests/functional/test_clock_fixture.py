"""A process started with a shifted clock sees the shift, and still works.

The wall clock of the process is off by the shift; its monotonic clock
is the real one, so sleeps and timeouts last what they say. A real
scheduler under such a clock joins ZooKeeper, fires through the database
by its own (wrong) time and casts through RabbitMQ.
"""

import datetime
import json
import os
import subprocess
import sys
import time

from migrator_scheduler.tests.functional import cluster as cluster_mod
from migrator_scheduler.tests.functional import fixtures as ms_fixtures
from migrator_scheduler.tests.functional.fixtures import clock

# Generous: the processes run on a busy host.
SLACK = 3.0

_PROBE = '''
import json, threading, time
before = time.monotonic()
time.sleep(0.2)
slept = time.monotonic() - before
before = time.monotonic()
threading.Event().wait(0.2)
waited = time.monotonic() - before
print(json.dumps({"wall": time.time(), "monotonic": time.monotonic(),
                  "slept": slept, "waited": waited}))
'''


def _probe(seconds):
    env = clock.shifted_clock_env(seconds)
    started = time.monotonic()
    done = subprocess.run([sys.executable, '-c', _PROBE], check=True,
                          capture_output=True, text=True, timeout=30,
                          env={**os.environ, **env})
    return json.loads(done.stdout), time.time(), started


def test_wall_clock_shifted_monotonic_real():
    for shift in (3600, -90):
        seen, wall, started = _probe(shift)
        # The probe read its clocks a moment before it ended.
        assert abs(seen['wall'] - wall - shift) < SLACK, (shift, seen)
        assert started <= seen['monotonic'] <= time.monotonic(), seen
        assert 0.2 <= seen['slept'] < 0.2 + SLACK, seen
        assert 0.2 <= seen['waited'] < 0.2 + SLACK, seen


def test_shift_must_be_whole_seconds():
    try:
        clock.shifted_clock_env(1.5)
    except ValueError as exc:
        assert '1.5' in str(exc)
    else:
        raise AssertionError('a fractional shift was accepted')


SHIFT = 60
PERIOD = 10
# The first fire time is this far in the real future: due at once for a
# scheduler SHIFT seconds ahead, yet within its misfire grace time.
LEAD = 30


def test_scheduler_runs_on_its_shifted_clock(pg_cluster):
    cluster = pg_cluster
    cluster.start_executor('executor-1')
    # The product refuses to fire on a skewed clock (see
    # faults/test_clock.py); with that check off, the scheduler fires by
    # the shifted clock, which is what shows the shift works.
    cluster.start_scheduler('scheduler-1',
                            overrides={'scheduler': {'max_clock_skew': 0}},
                            env=clock.shifted_clock_env(SHIFT))
    cluster.wait_ready(['executor-1', 'scheduler-1'])
    cluster.wait_members(['scheduler-1'])
    rules = cluster_mod.create_rules(
        5, PERIOD, lead=LEAD, job_args={'record': cluster.record_file})
    first = min(r.first_fire for r in rules.values())

    def fired_and_run():
        runs = cluster_mod.all_runs()
        done = {r['rule_id'] for r in runs if r['state'] == 'succeeded'}
        return runs if done == set(rules) else None

    runs = ms_fixtures.wait_for(fired_and_run, LEAD,
                                'every rule to fire and run')
    checked_at = cluster_mod.utcnow()
    cluster_mod.pause_rules(rules)

    # Still before the first fire time by the real clock: only the
    # shifted scheduler could have found it due.
    assert checked_at < first, (checked_at, first)
    # The scheduler stamped the runs with its own time, a minute ahead.
    ahead = min(r['created_at'] for r in runs) - checked_at
    assert ahead > datetime.timedelta(seconds=SHIFT - LEAD), ahead
    # The executor (real clock) ran them before their nominal time.
    for run in runs:
        if run['state'] == 'succeeded':
            assert run['started_at'] < run['scheduled_for'], run
    assert {r.rule_id for r in cluster.records()} == set(rules)
    log = cluster.process('scheduler-1').log_text()
    assert 'Traceback' not in log, cluster.process('scheduler-1').tail()
