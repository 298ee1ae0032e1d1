"""A scheduler whose clock is wrong fires nothing; the others fire all.

Started on a host whose wall clock is two minutes ahead (libfaketime
shifts the clock of that process alone), the scheduler compares its
clock with the database server's, refuses to join the group, says so in
its log and in ``cluster status``, and every rule still fires on time
and once, none of them early. Product defaults throughout.
"""

import datetime

from migrator_scheduler.tests.functional import cluster as cluster_mod
from migrator_scheduler.tests.functional import fixtures as ms_fixtures
from migrator_scheduler.tests.functional.fixtures import clock

RULES = 100
PERIOD = 2
SHIFT = 120
# The executors' record of a start and the schedulers' clocks share this
# host; a run started before its time by more than this was fired early.
EARLY = datetime.timedelta(seconds=0.5)


def test_a_scheduler_with_a_wrong_clock_refuses_to_fire(pg_cluster):
    cluster = pg_cluster
    cluster.tuned = False
    names = cluster.start(schedulers=2, executors=2)
    skewed = 'scheduler-skewed'
    cluster.start_scheduler(skewed, env=clock.shifted_clock_env(SHIFT))
    process = cluster.process(skewed)
    ms_fixtures.wait_for(
        lambda: 'refusing to fire' in process.log_text(), 90,
        f'{skewed} to refuse to fire', interval=0.5)
    rules = cluster_mod.create_rules(
        RULES, PERIOD, job_args={'record': cluster.record_file})
    cluster.run_for(10, alive=names + [skewed])

    code, report = cluster.cluster_status(settle=3)
    [row] = [s for s in report['schedulers'] if s['host'] == skewed]
    print(f'{skewed}: verdict {row["verdict"]}, clock offset '
          f'{row["clock_offset"]:+.1f}s; problems: {report["problems"]}')
    assert code == 1
    assert row['verdict'] == 'clock-skewed'
    assert row['clock_offset'] < -SHIFT + 5
    assert any(p.startswith(f'scheduler {skewed} ') and
               'refuses to fire' in p for p in report['problems'])
    assert skewed not in {m['host'] for m in report['members']}
    assert not cluster.log_lines(skewed, 'Joined group')

    runs = cluster.finish(rules)
    early = [r for r in runs if r['started_at'] < r['scheduled_for'] -
             EARLY]
    assert not early, early[:3]
    assert cluster.fired(skewed) == 0
    print(f'{len(runs)} runs, each once and none early')
