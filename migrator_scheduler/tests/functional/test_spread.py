"""Spreading with real processes: a burst starts over its window.

50 rules share one fire time and a 10-second spread window. Each is
fired once, at its time, and its run is started at its own offset into
the window, as every scheduler computes it, never before.
"""

import collections
import datetime
import uuid

from migrator_scheduler.common import buckets as buckets_mod
from migrator_scheduler.db import api as db_api
from migrator_scheduler.tests.functional import cluster as cluster_mod
from migrator_scheduler.tests.functional import fixtures as ms_fixtures
from migrator_scheduler.triggers import spread

RULES = 50
WINDOW = 10
# A cast leaves at the start time; the executor's claim follows it.
START_SLACK = datetime.timedelta(seconds=3)
LEAD = 3


def _create_rules(first: datetime.datetime) -> list[str]:
    # Fixed ids: the places in the window, hence the busiest second of
    # the burst, are the same on every run of this test.
    ids = [str(uuid.uuid5(uuid.NAMESPACE_URL, f'spread-burst-{i}'))
           for i in range(RULES)]
    db_api.create_rules([{
        'id': rule_id, 'project_id': 'functional', 'name': f'spread-{i}',
        'job_type': 'noop', 'job_args': {}, **cluster_mod.ONCE,
        'timezone': 'UTC', 'paused': False,
        'misfire_policy': 'fire_once', 'spread_window': WINDOW,
        'bucket': buckets_mod.bucket_for(rule_id, cluster_mod.NUM_BUCKETS),
        'next_fire_at': first} for i, rule_id in enumerate(ids)])
    return ids


def _started_runs(ids: list[str]) -> list[dict]:
    def all_ended():
        runs = [r for r in cluster_mod.all_runs() if r['rule_id'] in ids]
        done = [r for r in runs if r['state'] in cluster_mod.FINAL_STATES]
        return runs if len(done) >= len(ids) else None

    return ms_fixtures.wait_for(all_ended, LEAD + WINDOW + 20,
                                'every spread run to end')


def test_a_burst_starts_spread_over_its_window(pg_cluster):
    cluster = pg_cluster
    cluster.start(schedulers=2, executors=1)
    first = (cluster_mod.utcnow() + datetime.timedelta(
        seconds=LEAD)).replace(microsecond=0)
    ids = _create_rules(first)
    runs = _started_runs(ids)
    # Each fire time once.
    assert sorted(r['rule_id'] for r in runs) == sorted(ids)
    window = spread.Spread(WINDOW)
    problems = []
    for run in runs:
        offset = spread.offset(run['rule_id'], first, window)
        waited = run['started_at'] - run['scheduled_for']
        if (run['state'] != 'succeeded' or run['scheduled_for'] != first
                or run['start_after'] != first + offset
                or not offset <= waited <= offset + START_SLACK):
            problems.append(f'{run["rule_id"]}: offset {offset}, started '
                            f'after {waited}, {run["state"]}')
    assert not problems, cluster_mod.problems_message(problems)
    # Fired at the fire time, not at the start.
    assert max(r['created_at'] for r in runs) < first + datetime.timedelta(
        seconds=2)
    seconds = collections.Counter(
        int((r['started_at'] - first).total_seconds()) for r in runs)
    print(f'runs started per second of the window: {sorted(seconds.items())}')
    assert max(seconds.values()) <= 10, seconds
    assert len(seconds) >= WINDOW - 1, seconds
