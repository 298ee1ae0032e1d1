"""Schedulers started and stopped together all end with one view.

What a Kubernetes scale-up does: several schedulers start at the same
instant against one group, and each must end up seeing every member,
with the same ring as the others, whatever order their joins and
listings interleaved in. Then members are killed (the whole process
group, as an OOM kill or a lost node does) and stopped together, and the
survivors' views converge again. ``cluster status``, run as an operator
runs it, is the judge: it exits 0 only when every scheduler's reported
view equals the group. Every fire time still runs exactly once. Product
defaults throughout (a 10 s ZooKeeper session).
"""

import datetime
import time

from migrator_scheduler.tests.functional import cluster as cluster_mod
from migrator_scheduler.tests.functional.faults import profile

RULES = 100
PERIOD = 2
# A killed member holds its buckets until its 10 s session expires, and
# views are reported within a status interval: well within a minute.
CONVERGE_TIMEOUT = 90


def _converged(cluster, names, since):
    """Wait until ``names`` are the group and all agree; return the
    seconds it took and the views."""
    _, seconds, report = cluster.wait_converged(names, since,
                                                CONVERGE_TIMEOUT)
    views = {s['host']: (len(s['members']), s['ring_fingerprint'])
             for s in report['schedulers'] if s['verdict'] != 'gone'}
    assert set(views) == set(names), views
    assert len(set(views.values())) == 1, views
    return seconds, views


def test_schedulers_started_together_converge(pg_cluster):
    cluster = pg_cluster
    cluster.tuned = False
    settings = profile.current()
    executors = cluster.start(schedulers=0, executors=2)
    rules = cluster_mod.create_rules(
        RULES, PERIOD, job_args={'record': cluster.record_file})
    count = settings.started_together
    for round_ in range(1, settings.start_rounds + 1):
        names = [f'scheduler-{round_}-{i}' for i in range(1, count + 1)]
        started = time.monotonic()
        for name in names:
            cluster.start_scheduler(name)
        cluster.wait_ready(names)
        seconds, views = _converged(cluster, names, started)
        print(f'round {round_}: {count} schedulers started together agree '
              f'{seconds:.1f}s after the start: {views}')

        # Two killed and one stopped at the same instant.
        killed, stopped = names[:2], names[2]
        left = names[3:]
        gone_at = time.monotonic()
        cluster.process(stopped).terminate()
        for name in killed:
            cluster.process(name).kill()
        cluster.process(stopped).wait(60)
        seconds, views = _converged(cluster, left, gone_at)
        print(f'round {round_}: the {len(left)} left agree {seconds:.1f}s '
              f'after the others went: {views}')
        cluster.stop(left)

    stopped_at = cluster_mod.utcnow()
    cluster_mod.pause_rules(rules)
    cluster_mod.wait_drained()
    # Between rounds no scheduler runs for a while; the fire times of
    # that gap are fired late by the next round, within the misfire
    # grace time, so every one of them runs.
    runs = cluster.verify(rules, stopped_at - datetime.timedelta(
        seconds=PERIOD * 2))
    print(f'{len(runs)} runs, each once; executors {executors}')
