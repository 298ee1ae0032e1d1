"""Timeouts and retries of runs, with real processes and servers.

Every process runs with the product's defaults but for the rule's own
policy: a one-second timeout, two attempts, a two-second retry delay.
"""

import datetime
import uuid

import pytest

from migrator_scheduler.common import buckets as buckets_mod
from migrator_scheduler.db import api as db_api
from migrator_scheduler.tests.functional import cluster as cluster_mod
from migrator_scheduler.tests.functional import fixtures as ms_fixtures

TIMEOUT = 1
RETRY_DELAY = 2
SLEEP = 60


def _rule(**policy) -> str:
    rule_id = str(uuid.uuid4())
    values = {
        'id': rule_id, 'project_id': 'functional', 'name': 'slow',
        'job_type': 'sleep', 'job_args': {'seconds': SLEEP},
        **cluster_mod.ONCE,
        'timezone': 'UTC', 'paused': False, 'misfire_policy': 'fire_once',
        'bucket': buckets_mod.bucket_for(rule_id, cluster_mod.NUM_BUCKETS),
        'next_fire_at': cluster_mod.utcnow() + datetime.timedelta(
            seconds=1)}
    values.update(policy)
    db_api.create_rules([values])
    return rule_id


def _final_run(rule_id: str, timeout: float) -> dict:
    def ended():
        runs = [r for r in cluster_mod.all_runs() if r['rule_id'] == rule_id]
        if runs and runs[0]['state'] in cluster_mod.FINAL_STATES:
            return runs[0]
        return None

    return ms_fixtures.wait_for(ended, timeout,
                                f'the run of rule {rule_id} to end')


@pytest.mark.parametrize('cluster_fixture', ['pg_cluster', 'mysql_cluster'])
def test_a_run_past_its_deadline_is_retried_after_a_delay(request,
                                                          cluster_fixture):
    cluster = request.getfixturevalue(cluster_fixture)
    cluster.tuned = False
    cluster.start(schedulers=1, executors=1)
    rule_id = _rule(job_timeout=TIMEOUT, max_attempts=2,
                    retry_delay=RETRY_DELAY, retry_max_delay=RETRY_DELAY)
    run = _final_run(rule_id, 60)
    assert run['state'] == 'timed_out', run
    assert run['attempt'] == 2
    [first] = db_api.list_attempts(run['id'])
    assert (first['attempt'], first['state']) == (1, 'timed_out')
    # Cut at its deadline, far before the job's own end.
    for attempt in (first, run):
        took = (attempt['finished_at'] - attempt['started_at']).total_seconds()
        assert TIMEOUT <= took < SLEEP / 2, attempt
    # The second attempt waited for at least half the delay (jitter).
    waited = (run['started_at'] - first['finished_at']).total_seconds()
    assert waited >= RETRY_DELAY / 2, (first, run)
    assert cluster.log_lines('executor-1', 'attempt 1 timed out after')


def test_a_permanent_failure_is_not_retried(pg_cluster):
    cluster = pg_cluster
    cluster.tuned = False
    cluster.start(schedulers=1, executors=1)
    # Stored around validation, as a rule of an older release could be.
    rule_id = _rule(job_args={'seconds': 'ten'}, max_attempts=3)
    run = _final_run(rule_id, 60)
    assert (run['state'], run['attempt']) == ('failed', 1), run
    assert "job.args.seconds: 'ten' is not of type 'number'" in run['error']
    assert db_api.list_attempts(run['id']) == []


def test_run_now_once_per_key_and_a_backfill_one_at_a_time(pg_cluster):
    cluster = pg_cluster
    cluster.tuned = False
    cluster.start(schedulers=1, executors=2)
    rule_id = _rule(job_args={'seconds': 1}, trigger_kind='cron',
                    trigger_expr='0 * * * *', next_fire_at=None)
    rule = db_api.get_rule(rule_id)
    now = cluster_mod.utcnow()
    manual, created = db_api.run_now(rule, now, 'click-1')
    again, created_again = db_api.run_now(rule, now, 'click-1')
    assert created and not created_again and again['id'] == manual['id']
    # Backfilled once the manual run ended: it would skip them otherwise.
    _final_run(rule_id, 30)
    hour = now.replace(minute=0, second=0, microsecond=0)
    times = [hour - datetime.timedelta(hours=h) for h in (3, 2, 1)]
    assert db_api.backfill(rule, times, cluster_mod.utcnow()) == times

    def all_ended():
        runs = [r for r in cluster_mod.all_runs() if r['rule_id'] == rule_id]
        return len(runs) == 4 and all(
            r['state'] in cluster_mod.FINAL_STATES for r in runs)

    ms_fixtures.wait_for(all_ended, 60, 'the manual and backfilled runs')
    runs = sorted((r for r in cluster_mod.all_runs()
                   if r['rule_id'] == rule_id),
                  key=lambda r: r['started_at'])
    assert [r['state'] for r in runs] == ['succeeded'] * 4, runs
    backfilled = [r for r in runs if r['reason'] == 'overlap: backfill']
    assert [r['scheduled_for'] for r in backfilled] == times
    # One at a time: each started after the one before ended.
    for before, after in zip(runs, runs[1:]):
        assert after['started_at'] >= before['finished_at'], runs
