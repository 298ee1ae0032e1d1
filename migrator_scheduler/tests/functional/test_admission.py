"""Overlap policies and concurrency limits, across real executors.

Every process runs with the product's defaults; the rules carry their
own policies as users write them.
"""

import datetime

import pytest

from migrator_scheduler.db import api as db_api
from migrator_scheduler.tests.functional import cluster as cluster_mod
from migrator_scheduler.tests.functional import fixtures as ms_fixtures

CLUSTERS = ['pg_cluster', 'mysql_cluster']


def _runs_of(rules) -> list[dict]:
    return [r for r in cluster_mod.all_runs() if r['rule_id'] in rules]


def _most_at_once(runs) -> int:
    """The most runs whose [start, end) intervals overlap at one instant."""
    events = sorted([(r['started_at'], 1) for r in runs] +
                    [(r['finished_at'], -1) for r in runs])
    most = current = 0
    for _, change in events:
        current += change
        most = max(most, current)
    return most


@pytest.mark.parametrize('cluster_fixture', CLUSTERS)
def test_a_job_longer_than_its_period_never_overlaps(request,
                                                      cluster_fixture):
    """The default overlap policy skips the fire times that would."""
    cluster = request.getfixturevalue(cluster_fixture)
    cluster.tuned = False
    cluster.start(schedulers=1, executors=2)
    rules = cluster_mod.create_rules(
        1, 2, job_type='sleep', job_args={'seconds': 3},
        overlap_policy=None)
    cluster.run_for(13, alive=['scheduler-1', 'executor-1', 'executor-2'])
    cluster_mod.pause_rules(rules)
    cluster_mod.wait_drained()
    runs = _runs_of(rules)
    done = [r for r in runs if r['state'] == 'succeeded']
    skipped = [r for r in runs if r['state'] == 'skipped']
    assert len(done) >= 2, runs
    assert skipped and {r['reason'] for r in skipped} == {'overlap'}, runs
    assert len(done) + len(skipped) == len(runs), runs
    assert _most_at_once(done) == 1, done


@pytest.mark.parametrize('cluster_fixture', CLUSTERS)
def test_runs_due_at_once_never_exceed_their_key_limit(request,
                                                       cluster_fixture):
    cluster = request.getfixturevalue(cluster_fixture)
    cluster.tuned = False
    names = cluster.start(schedulers=2, executors=2)
    db_api.set_concurrency_limit('functional-snapshots', 2)
    rules = cluster_mod.create_rules(
        50, 3600, job_type='sleep',
        job_args={'seconds': 0.4, 'record': cluster.record_file},
        concurrency_key='{project_id}-snapshots', **cluster_mod.ONCE)
    # Once, in two seconds.
    due = cluster_mod.utcnow() + datetime.timedelta(seconds=2)
    with db_api._writer() as session:
        session.execute(db_api.models.rules.update().where(
            db_api.models.rules.c.id.in_(list(rules))).values(
                next_fire_at=due))

    def all_done():
        runs = _runs_of(rules)
        return len(runs) == 50 and all(
            r['state'] in cluster_mod.FINAL_STATES for r in runs)

    ms_fixtures.wait_for(all_done, 90, 'the 50 runs to end', interval=0.5)
    for name in names:
        assert cluster.process(name).running, name
    runs = _runs_of(rules)
    assert {r['state'] for r in runs} == {'succeeded'}, runs
    assert _most_at_once(runs) == 2
    assert {r['concurrency_key'] for r in runs} == {'functional-snapshots'}
    records = cluster.records()
    assert len(records) == 50 and len({r.rule_id for r in records}) == 50
    # Started in nominal-time order as slots freed: all within the time
    # 25 pairs of jobs take, plus the casts.
    first = min(r['started_at'] for r in runs)
    last = max(r['finished_at'] for r in runs)
    assert last - first >= datetime.timedelta(seconds=0.4 * 25)
