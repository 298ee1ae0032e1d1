"""RabbitMQ down while rules fire: every fire time still runs once, soon.

With the product's own defaults, the broker goes away for the profile's
``broker_downtime`` while 100 rules fire every few seconds. Runs keep
being committed; their casts fail, and casts made just before the outage
are lost with the broker's queues. Once casts succeed again, schedulers
cast all of those again at once instead of after ``redispatch_after``.
"""

import datetime

import pytest

from migrator_scheduler.tests.functional import cluster as cluster_mod
from migrator_scheduler.tests.functional.faults import profile as profile_mod
from migrator_scheduler.tests.functional.faults import recovery

RULES = 100
PERIOD = 3
# The product's default: what recovery must not wait for.
REDISPATCH_AFTER = cluster_mod.CONF.scheduler.redispatch_after


def _scheduler_lines(cluster, text):
    return [line for process in cluster.schedulers()
            for line in cluster.log_lines(process.name, text)]


def test_broker_outage_recovers_without_waiting_to_redispatch(
        private_broker_cluster, private_rabbitmq):
    if not private_rabbitmq.can_restart:
        pytest.skip('RabbitMQ cannot be stopped from here')
    downtime = profile_mod.current().broker_downtime
    cluster = private_broker_cluster
    cluster.tuned = False
    names = cluster.start(schedulers=2, executors=2)
    rules = cluster_mod.create_rules(
        RULES, PERIOD, job_args={'record': cluster.record_file})
    first = min(r.first_fire for r in rules.values())
    cluster.run_for(2 * PERIOD, alive=names)

    # Just after a fire time: its casts are leaving.
    cluster_mod.sleep_until(cluster_mod.next_instant(first, PERIOD) +
                            datetime.timedelta(seconds=0.05))
    down_at = cluster_mod.utcnow()
    private_rabbitmq.stop()
    try:
        cluster.run_for(downtime, alive=names)
    finally:
        # Back before anything else: later tests need the broker.
        private_rabbitmq.start()
    back_at = cluster_mod.utcnow()
    recovery.wait_started(down_at, back_at, REDISPATCH_AFTER + 60)
    cluster.run_for(2 * PERIOD, alive=names)
    runs = cluster.finish(rules, drain_timeout=120)
    backlog = recovery.backlog(runs, down_at, back_at)
    seconds = recovery.recovery_seconds(runs, down_at, back_at)
    print(f'RabbitMQ down {(back_at - down_at).total_seconds():.1f}s; '
          f'{len(backlog)} runs due meanwhile; the last of them started '
          f'{seconds:.1f}s after the broker was back')
    assert _scheduler_lines(cluster, 'Casts to the executors fail')
    assert _scheduler_lines(cluster, 'Casts to the executors succeed again')
    # Not one of them waited for the sweep's redispatch_after.
    deadline = back_at + datetime.timedelta(seconds=REDISPATCH_AFTER)
    late = [r for r in backlog if r['started_at'] >= deadline]
    assert not late, (f'{len(late)} runs due during the outage started '
                      f'{REDISPATCH_AFTER}s or more after it, e.g. '
                      f'{late[:3]}')
