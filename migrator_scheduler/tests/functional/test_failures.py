"""Runs survive a killed executor, exactly once.

A run whose executor dies is reaped after ``lost_run_timeout`` and
started again (attempt 2) by another executor; each nominal fire time
still ends with one succeeded run and one execution. Broker outages are
in ``faults/test_broker.py``.
"""

import datetime

from migrator_scheduler.tests.functional import cluster as cluster_mod
from migrator_scheduler.tests.functional import fixtures as ms_fixtures

MARGIN = datetime.timedelta(seconds=5)
# Short, to reap the runs of the killed executor soon, yet 10 heartbeat
# intervals: a busy host must not make a live executor look dead.
LOST_RUN_TIMEOUT = 10
SLEEP_PERIOD = 4
SLEEP_SECONDS = 3
NOOP_PERIOD = 2


def _running_on(host):
    return [r for r in cluster_mod.unfinished_runs()
            if r['state'] == 'running' and r['executor_host'] == host]


def _kill_mid_sleep(cluster, victim, sleepers):
    """Kill -9 ``victim`` in the middle of sleep jobs; return the runs it
    was running and the kill time.

    The sleep job records its execution only after sleeping. Killed while
    it runs nothing but sleep jobs with a second or more still to sleep,
    and while no run waits to be claimed (so none can start in between;
    runs planned ahead, due a second or more later, are not cast yet),
    the victim leaves no trace of its attempts in the record file.
    """
    def quiet():
        now = cluster_mod.utcnow()
        unfinished = cluster_mod.unfinished_runs()
        mine = [r for r in unfinished if r['executor_host'] == victim]
        young = now - datetime.timedelta(seconds=SLEEP_SECONDS - 1)
        not_yet = now + datetime.timedelta(seconds=1)
        return (mine and
                all(r['state'] == 'running' or r['scheduled_for'] > not_yet
                    for r in unfinished) and
                all(r['rule_id'] in sleepers and r['started_at'] > young
                    for r in mine))

    ms_fixtures.wait_for(quiet, 6 * SLEEP_PERIOD,
                         f'{victim} to run sleep jobs alone',
                         interval=0.05)
    killed_at = cluster_mod.utcnow()
    cluster.process(victim).kill()
    # Read after the kill: what it was running when it died.
    return _running_on(victim), killed_at


def test_lost_executor_runs_are_retried_once(pg_cluster):
    """Kill -9 an executor running jobs: they are reaped and rerun once."""
    cluster = pg_cluster
    cluster.lost_run_timeout = LOST_RUN_TIMEOUT
    names = cluster.start(schedulers=2, executors=2)
    record = {'record': cluster.record_file}
    sleepers = cluster_mod.create_rules(
        20, SLEEP_PERIOD, job_type='sleep', name='sleep',
        job_args={'seconds': SLEEP_SECONDS, **record})
    rules = dict(sleepers)
    rules.update(cluster_mod.create_rules(40, NOOP_PERIOD, name='noop',
                                          job_args=record))

    victim, survivor = 'executor-1', 'executor-2'
    killed, killed_at = _kill_mid_sleep(cluster, victim, sleepers)
    assert killed, f'{victim} was running nothing when killed'
    names.remove(victim)
    # Past the lost-run timeout, the reaping and the second attempts.
    cluster.run_for(LOST_RUN_TIMEOUT + SLEEP_SECONDS + 2, alive=names)
    paused_at = cluster_mod.utcnow()
    cluster_mod.pause_rules(rules)
    cluster_mod.wait_drained()

    runs = cluster.verify(rules, paused_at - MARGIN)
    by_id = {r['id']: r for r in runs}
    retried = {r['id'] for r in runs if r['attempt'] > 1}
    killed_ids = {r['id'] for r in killed}
    print(f'{len(runs)} runs; {len(killed_ids)} killed with {victim} and '
          f'retried')
    # Exactly the runs of the dead executor were retried, once each.
    assert retried == killed_ids
    for run_id in killed_ids:
        run = by_id[run_id]
        assert run['attempt'] == 2, run
        assert run['executor_host'] == survivor, run
        assert run['reason'] == 'retried: executor lost', run
        # Not reaped while it might still have been heart-beating: its
        # last heartbeat was at most about one interval before the kill.
        assert run['started_at'] >= killed_at + datetime.timedelta(
            seconds=LOST_RUN_TIMEOUT - 2), run
