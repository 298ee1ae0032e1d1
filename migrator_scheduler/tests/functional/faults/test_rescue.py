"""A member that owns buckets and fires nothing: the rescue fires them.

The worst a wrong view can do is leave buckets with an owner that does
not fire them: a frozen scheduler that still holds its ZooKeeper
session, a member some scheduler never saw, or, as here, a member that
is not a scheduler at all. Whatever the ring says, every fire time of
those buckets runs exactly once, no later than ``rescue_after`` plus
one sweep interval, and ``cluster status`` names the culprit. Product
defaults throughout.
"""

import datetime

from tooz import coordination

from migrator_scheduler import conf as ms_conf
from migrator_scheduler.coordination import timing
from migrator_scheduler.tests.functional import cluster as cluster_mod

RULES = 100
PERIOD = 2
# Time for the rescuing scheduler to commit a batch on a busy host.
SLACK = 5.0


def test_buckets_of_a_member_that_fires_nothing_are_rescued(pg_cluster):
    cluster = pg_cluster
    cluster.tuned = False
    names = cluster.start(schedulers=3, executors=2)
    phantom = coordination.get_coordinator(cluster.coordination_url,
                                           b'phantom:1:00000000')
    phantom.start()
    cluster.addCleanup(phantom.stop)
    phantom.join_group_create(cluster.group.encode(),
                              capabilities={'weight': 1, 'host': 'phantom'})
    cluster.wait_members([n for n in names if n.startswith('scheduler')] +
                         ['phantom'])
    rules = cluster_mod.create_rules(
        RULES, PERIOD, job_args={'record': cluster.record_file})
    owned = {member.decode(): buckets for member, buckets
             in cluster.observer.assignment().items()}
    orphans = {r.id for r in rules.values()
               if r.bucket in owned['phantom:1:00000000']}
    assert orphans, 'the phantom owns none of the rules'

    # The schedulers run with the defaults, as this process does.
    assert 'rescue_after' not in cluster.config('scheduler-1')['scheduler']
    bound = timing.rescue_after(ms_conf.CONF)
    sweep = ms_conf.CONF.scheduler.sweep_interval
    cluster.run_for(bound + 3 * sweep + 2 * SLACK, alive=names)

    code, report = cluster.cluster_status()
    assert code == 1
    assert report['rescue_after'] == bound
    assert any(p.startswith('member phantom:1:00000000 is in the group but '
                            'no running scheduler reports as it')
               for p in report['problems']), report['problems']
    rescued = sum(s['rescued_rules'] for s in report['schedulers'])
    assert rescued > 0, report['schedulers']

    runs = cluster.finish(rules, margin=datetime.timedelta(
        seconds=bound + sweep + SLACK))
    late = [(r['created_at'] - r['scheduled_for']).total_seconds()
            for r in runs if r['rule_id'] in orphans]
    print(f'{len(runs)} runs; {len(orphans)} rules in the phantom\'s '
          f'buckets fired by the rescue, at most {max(late):.1f}s late '
          f'(bound {bound:.0f}s + sweep {sweep:.0f}s); rescued '
          f'{rescued} times')
    assert max(late) <= bound + sweep + SLACK, late
    lines = [line for process in cluster.schedulers()
             for line in cluster.log_lines(process.name, 'Rescued')]
    assert lines
