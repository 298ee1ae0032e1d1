"""A scheduler cut off from ZooKeeper while it still reaches the database.

A network partition between one scheduler and ZooKeeper (the others and
the database unaffected): its session expires on the server's side, the
others take its buckets over, and it keeps firing the buckets it had,
which the database shares out so that nothing fires twice. ``cluster
status`` says it is outside the group meanwhile. When the network comes
back it joins again and every view converges. Product defaults
throughout.
"""

import time

from migrator_scheduler.tests.functional import cluster as cluster_mod
from migrator_scheduler.tests.functional.fixtures import proxy as proxy_mod

RULES = 100
PERIOD = 2
CONVERGE_TIMEOUT = 90


def test_a_scheduler_cut_off_from_zookeeper(pg_cluster, zookeeper):
    cluster = pg_cluster
    cluster.tuned = False
    proxy = cluster.useFixture(proxy_mod.TCPProxyFixture(zookeeper.host,
                                                         zookeeper.port))
    names = cluster.start(schedulers=2, executors=2)
    victim = 'scheduler-3'
    cluster.start_scheduler(victim, overrides={'coordination': {
        'backend_url': cluster.coordination_url_via(proxy.address)}})
    names.append(victim)
    schedulers = [n for n in names if n.startswith('scheduler')]
    cluster.wait_ready([victim])
    cluster.wait_members(schedulers)
    rules = cluster_mod.create_rules(
        RULES, PERIOD, job_args={'record': cluster.record_file})
    cluster.run_for(4, alive=names)

    cut = time.monotonic()
    proxy.cut(proxy_mod.BLACKHOLE)
    try:
        cluster.wait_members(schedulers[:2], timeout=60)
        expired = time.monotonic() - cut
        cluster.run_for(8, alive=names)
        code, report = cluster.cluster_status(settle=3)
        verdicts = {s['host']: s['verdict'] for s in report['schedulers']}
        assert code == 1, report['problems']
        assert verdicts[victim] == 'outside-group', verdicts
        assert any(p.startswith(f'scheduler {victim} ') and
                   'not a member of the group' in p
                   for p in report['problems']), report['problems']
    finally:
        proxy.restore()
    rejoined, healthy, _ = cluster.wait_converged(
        schedulers, time.monotonic(), CONVERGE_TIMEOUT)
    print(f'{victim} cut off: out of the group {expired:.1f}s after the '
          f'cut; back {rejoined:.1f}s and every view agreed {healthy:.1f}s '
          f'after the network returned')
    cluster.run_for(4, alive=names)

    runs = cluster.finish(rules)
    fired = cluster.fired(victim)
    print(f'{len(runs)} runs, each once; {victim} fired {fired} rules in '
          f'all')
    assert fired
