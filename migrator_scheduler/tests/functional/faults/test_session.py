"""A scheduler frozen past its session: it rejoins, nothing runs twice.

SIGSTOP of the whole process group is what a long pause does (a paused
VM, a starved container, a stop-the-world collection): the scheduler's
ZooKeeper session expires while its process, its database connections
and the runs it planned ahead are all still there. Its peers take its
buckets over; when it wakes up it casts the runs it held, finds it is
no longer a member and joins again, and the views converge. Every fire
time runs exactly once. Product defaults throughout.
"""

import time

from migrator_scheduler.tests.functional import cluster as cluster_mod
from migrator_scheduler.tests.functional import fixtures as ms_fixtures

RULES = 100
PERIOD = 2
CONVERGE_TIMEOUT = 90


def test_a_frozen_scheduler_whose_session_expired_rejoins(pg_cluster):
    cluster = pg_cluster
    cluster.tuned = False
    names = cluster.start(schedulers=3, executors=2)
    schedulers = [n for n in names if n.startswith('scheduler')]
    rules = cluster_mod.create_rules(
        RULES, PERIOD, job_args={'record': cluster.record_file})
    cluster.run_for(4, alive=names)

    victim = 'scheduler-2'
    others = [n for n in schedulers if n != victim]
    frozen = time.monotonic()
    cluster.process(victim).freeze()
    try:
        cluster.wait_members(others)
        expired = time.monotonic() - frozen
        # The others fire its buckets meanwhile.
        cluster.run_for(6, alive=[n for n in names if n != victim])
    finally:
        cluster.process(victim).thaw()
    rejoined, healthy, _ = cluster.wait_converged(
        schedulers, time.monotonic(), CONVERGE_TIMEOUT)
    print(f'session of {victim} expired {expired:.1f}s after it froze; '
          f'rejoined {rejoined:.1f}s and every view agreed {healthy:.1f}s '
          f'after it woke up')

    def rejoin_reported():
        _, report = cluster.cluster_status()
        return [s['rejoins'] for s in report['schedulers']
                if s['host'] == victim] == [1]

    ms_fixtures.wait_for(rejoin_reported, 30, f'{victim} to report its '
                         f'rejoin', interval=1.0)
    assert cluster.log_lines(victim, 'joining again')
    cluster.run_for(4, alive=names)

    runs = cluster.finish(rules)
    print(f'{len(runs)} runs, each once')
