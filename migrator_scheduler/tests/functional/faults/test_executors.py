"""Every executor down, then back: the backlog runs, each fire time once.

With the product's own defaults, every executor stops for the profile's
``executors_downtime`` while 100 rules fire every few seconds. The
schedulers keep committing and casting runs, which wait in the
executors' queue on RabbitMQ (cast again by the sweep every
``redispatch_after``); new executors then take the backlog. Each fire
time of the outage runs exactly once, after they are back.
"""

import re

from migrator_scheduler.tests.functional import cluster as cluster_mod
from migrator_scheduler.tests.functional.faults import profile as profile_mod
from migrator_scheduler.tests.functional.faults import recovery

RULES = 100
PERIOD = 3
_RECAST = re.compile(r'Casting (\d+) pending runs again')


def _recast(cluster, schedulers):
    """How many runs the schedulers' sweeps cast again."""
    return sum(int(count) for name in schedulers
               for count in _RECAST.findall(
                   cluster.process(name).log_text()))


def test_a_backlog_left_by_every_executor_runs_once(pg_cluster):
    downtime = profile_mod.current().executors_downtime
    cluster = pg_cluster
    cluster.tuned = False
    names = cluster.start(schedulers=2, executors=2)
    schedulers = [n for n in names if n.startswith('scheduler')]
    rules = cluster_mod.create_rules(
        RULES, PERIOD, job_args={'record': cluster.record_file})
    cluster.run_for(2 * PERIOD, alive=names)

    cluster.stop(['executor-1', 'executor-2'])
    down_at = cluster_mod.utcnow()
    cluster.run_for(downtime, alive=schedulers)
    recast = _recast(cluster, schedulers)
    returning = ['executor-3', 'executor-4']
    back_at = cluster_mod.utcnow()
    for name in returning:
        cluster.start_executor(name)
    cluster.wait_ready(returning)
    ready_at = cluster_mod.utcnow()
    # No run due during the outage can have started before now.
    recovery.wait_started(down_at, back_at, 120)
    cluster.run_for(2 * PERIOD, alive=schedulers + returning)
    runs = cluster.finish(rules, drain_timeout=120)
    backlog = recovery.backlog(runs, down_at, back_at)
    print(f'Executors down {(back_at - down_at).total_seconds():.1f}s; '
          f'{len(backlog)} runs due meanwhile; executors ready '
          f'{(ready_at - back_at).total_seconds():.1f}s after their '
          f'start, the last of the backlog started '
          f'{recovery.recovery_seconds(runs, down_at, back_at):.1f}s '
          f'after it; the sweeps cast {recast} runs again meanwhile')
    assert len(backlog) >= RULES * (downtime // PERIOD - 1)
    # Started by the executors that came back, once each (verify).
    assert {r['executor_host'] for r in backlog} <= set(returning)
    assert all(r['started_at'] >= back_at for r in backlog)
