"""ZooKeeper restarted while rules fire: every fire time still runs once.

Three schedulers and two executors run with the product's defaults
while the session's ZooKeeper is stopped (SIGTERM, or killed) for
``zookeeper_downtime`` seconds of the profile and started again with
the same data. Schedulers keep the buckets they own while it is away,
so firing goes on; the test checks that every fire time ran exactly
once and prints how soon after ZooKeeper's return every scheduler was a
member of the group again.
"""

import datetime
import re
import time

import pytest

from migrator_scheduler.tests.functional import cluster as cluster_mod
from migrator_scheduler.tests.functional.faults import profile
from migrator_scheduler.tests.functional.faults import recovery

RULES = 100
PERIOD = 2
WARM_UP = 2 * PERIOD
# Firing after the group is whole again, with every scheduler in it.
COOL_DOWN = 3 * PERIOD
MARGIN = datetime.timedelta(seconds=5)
# Generous: it bounds a wait for the group to heal, it does not judge
# speed.
REJOIN_TIMEOUT = 120

UNAVAILABLE = 'Cannot list group'
LISTED_AGAIN = 'can be listed again'
REJOINED = 'joining again'
OWNERSHIP = 'Bucket ownership changed'
_MEMBERS = re.compile(r'(\d+) members')
DIAGNOSTICS = (
    UNAVAILABLE, LISTED_AGAIN, REJOINED, 'Joined group', OWNERSHIP,
    'Scheduler iteration failed', 'Traceback')


def _member_again(cluster, name, back_at):
    """When scheduler ``name`` listed the group again after ``back_at``
    (its session lived on), or joined it again (it had expired)."""
    times = [recovery.last_logged(cluster, name, text)
             for text in (LISTED_AGAIN, REJOINED)]
    return max([t for t in times if t is not None and t > back_at],
               default=back_at)


def _views(cluster, schedulers):
    """``{scheduler: group size in its last ownership change}``."""
    views = {}
    for name in sorted(schedulers):
        lines = cluster.log_lines(name, OWNERSHIP)
        found = _MEMBERS.search(lines[-1]) if lines else None
        views[name] = int(found.group(1)) if found else None
    return views


@pytest.mark.parametrize('kill', [False, True], ids=['stop', 'kill'])
def test_zookeeper_restart_while_firing(pg_cluster, zookeeper, kill):
    """Stop or kill ZooKeeper, start it again; nothing is lost."""
    if not zookeeper.managed:
        pytest.skip('external ZooKeeper: the tests cannot restart it')
    cluster = pg_cluster
    cluster.tuned = False
    downtime = profile.current().zookeeper_downtime
    names = cluster.start(schedulers=3, executors=2)
    schedulers = {n for n in names if n.startswith('scheduler')}
    rules = cluster_mod.create_rules(
        RULES, PERIOD, job_args={'record': cluster.record_file})
    cluster.run_for(WARM_UP, alive=names)

    down_at = cluster_mod.utcnow()
    zookeeper.stop(kill=kill)
    try:
        cluster.run_for(downtime, alive=names)
    finally:
        # Back before anything else: the other tests need it.
        zookeeper.start()
    back_at = cluster_mod.utcnow()
    back = time.monotonic()
    cluster.wait_members(schedulers, timeout=REJOIN_TIMEOUT)
    # Every scheduler's view is the group's: cluster status says so.
    cluster.wait_healthy(REJOIN_TIMEOUT)
    healed = time.monotonic() - back

    runs = recovery.wait_caught_up(
        rules, recovery.next_instant(rules, back_at), REJOIN_TIMEOUT)
    started = recovery.last_starts(runs)
    outage = recovery.instants(rules, down_at, back_at)
    cluster.run_for(COOL_DOWN, alive=names)
    paused_at = cluster_mod.utcnow()
    cluster_mod.pause_rules(rules)
    cluster_mod.wait_drained()
    runs = cluster.verify(rules, paused_at - MARGIN)

    late = max(recovery.seconds(started[when] - when) for when in outage)
    member_again = max(_member_again(cluster, name, back_at)
                       for name in schedulers)
    print(f'ZooKeeper {"killed" if kill else "stopped"}: down '
          f'{recovery.seconds(back_at - down_at):.1f}s; every scheduler '
          f'was a member again '
          f'{recovery.seconds(member_again - back_at):.1f}s after it was '
          f'back, and every view agreed {healed:.1f}s after; the '
          f'{len(outage)} fire times of the outage started at most '
          f'{late:.1f}s late; {len(runs)} runs in all')
    print(f'group size each scheduler saw last: '
          f'{_views(cluster, schedulers)}')
    print(f'log lines: {recovery.log_counts(cluster, DIAGNOSTICS)}')
    assert outage, 'no fire time fell in the outage'
