"""Every rule fires exactly once per fire time, across membership changes.

Real processes on real servers: ``migrator-scheduler`` and
``migrator-scheduler-executor`` on PostgreSQL (and MariaDB), ZooKeeper
and RabbitMQ. The runs table tells what the schedulers decided, the
record file the jobs append to tells what the executors really did; see
:mod:`migrator_scheduler.tests.functional.cluster` for the checks.
"""

import datetime

from migrator_scheduler.coordination import status
from migrator_scheduler.tests.functional import cluster as cluster_mod
from migrator_scheduler.tests.functional import fixtures as ms_fixtures

RULES = 100
PERIOD = 2
# How far behind the wall clock the last required fire time may be when
# firing stops: the schedulers of a busy machine run a little late.
MARGIN = datetime.timedelta(seconds=5)
# Failover is bounded by the session timeout plus detection and firing;
# the margin is generous because the test machine is shared.
FAILOVER_BOUND = cluster_mod.SESSION_TIMEOUT + 10


def _schedulers(names):
    return [n for n in names if n.startswith('scheduler')]


def _steady_state(cluster, schedulers, executors, seconds):
    names = cluster.start(schedulers, executors)
    rules = cluster_mod.create_rules(
        RULES, PERIOD, job_args={'record': cluster.record_file})
    shares = cluster.rule_shares(rules)
    cluster.run_for(seconds, alive=names)
    stopped_at = cluster_mod.utcnow()
    cluster.stop(_schedulers(names))
    cluster_mod.wait_drained()
    runs = cluster.verify(rules, stopped_at - MARGIN)
    fired = {n: cluster.fired(n) for n in _schedulers(names)}
    print(f'{len(runs)} runs; rules per scheduler: {shares}; firings per '
          f'scheduler: {fired}')
    # The work was split: every scheduler had rules and fired them.
    assert set(shares) == set(fired), shares
    assert all(shares.values()), shares
    assert all(fired.values()), fired


def test_schedulers_split_the_work_and_fire_once(pg_cluster):
    """3 schedulers, 2 executors, 100 rules due at the same instants."""
    _steady_state(pg_cluster, schedulers=3, executors=2, seconds=12)


def test_mariadb_fires_once(mysql_cluster):
    """The same guarantees on MariaDB, with 2 schedulers and 1 executor."""
    _steady_state(mysql_cluster, schedulers=2, executors=1, seconds=8)


def _kill_and_measure_failover(cluster, rules, victim):
    """Kill -9 ``victim``; return seconds until its rules fired again.

    Measured from the kill to the creation of the last of the first
    runs its rules got after it: the survivors must see its session
    expire, take its buckets over and fire what is due.
    """
    owned = {status.member_host(member): buckets for member, buckets
             in cluster.observer.assignment().items()}
    orphans = [r.id for r in rules.values() if r.bucket in owned[victim]]
    assert orphans, f'{victim} owns none of the rules: cannot measure'
    # Just after a fire instant: the victim has fired it, and its rules
    # miss every later one until a survivor takes them over.
    first = min(r.first_fire for r in rules.values())
    cluster_mod.sleep_until(cluster_mod.next_instant(first, PERIOD) +
                            datetime.timedelta(seconds=0.5))
    killed_at = cluster_mod.utcnow()
    cluster.process(victim).kill()

    def taken_over():
        fired = cluster_mod.first_runs_after(orphans, killed_at)
        return len(fired) == len(orphans) and fired

    fired = ms_fixtures.wait_for(
        taken_over, FAILOVER_BOUND + PERIOD,
        f'the {len(orphans)} rules of {victim} to fire again',
        interval=cluster_mod.POLL_INTERVAL)
    return len(orphans), (max(fired.values()) - killed_at).total_seconds()


def test_membership_changes_keep_exactly_once(pg_cluster):
    """Grow 3 -> 6 schedulers, shrink to 3, kill -9 one, while firing."""
    cluster = pg_cluster
    names = cluster.start(schedulers=3, executors=2)
    rules = cluster_mod.create_rules(
        RULES, PERIOD, job_args={'record': cluster.record_file})
    cluster.run_for(6, alive=names)

    added = ['scheduler-4', 'scheduler-5', 'scheduler-6']
    for name in added:
        cluster.start_scheduler(name)
    names += added
    cluster.wait_ready(added)
    cluster.wait_members(_schedulers(names))
    cluster.run_for(10, alive=names)

    # Clean stops of old and new members alike.
    leaving = ['scheduler-1', 'scheduler-4', 'scheduler-5']
    cluster.stop(leaving)
    names = [n for n in names if n not in leaving]
    cluster.wait_members(_schedulers(names))
    cluster.run_for(4, alive=names)

    victim = 'scheduler-2'
    orphans, failover = _kill_and_measure_failover(cluster, rules, victim)
    print(f'failover after kill -9 of {victim}: its {orphans} rules fired '
          f'again {failover:.2f}s after the kill (ZooKeeper session '
          f'timeout {cluster_mod.SESSION_TIMEOUT}s)')
    names.remove(victim)
    cluster.run_for(4, alive=names)

    stopped_at = cluster_mod.utcnow()
    cluster.stop(_schedulers(names))
    cluster_mod.wait_drained()
    runs = cluster.verify(rules, stopped_at - MARGIN)
    fired = {p.name: cluster.fired(p.name) for p in cluster.schedulers()}
    print(f'{len(runs)} runs; firings per scheduler: {fired}')
    assert all(fired.values()), fired
    assert failover <= FAILOVER_BOUND, (
        f'failover took {failover:.2f}s, over {FAILOVER_BOUND}s')
