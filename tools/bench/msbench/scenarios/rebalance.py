"""Rebalance: buckets moved by a join and a leave; failover after kill -9.

With N schedulers (default 3) a scheduler joins, then one of the first N
leaves gracefully. The buckets that change owner are counted from the
real member ids in ZooKeeper, with the product's ring; the ideal is the
newcomer's (leaver's) fair share, 1/(N+1). The same ratio over random
member ids shows how lucky the measured ids were.

Failover: one probe rule firing every second in each bucket of a victim
scheduler; the victim's process group is killed with SIGKILL; measured
is the time until every one of its buckets fired again, to be set
against the ZooKeeper session timeout.
"""

from __future__ import annotations

import datetime
import os
import time

import sqlalchemy as sa

from migrator_scheduler.coordination import status
from migrator_scheduler.db import models
from migrator_scheduler.tests.functional import fixtures as ms_fixtures

from msbench import context
from msbench import deployment
from msbench import membership
from msbench import rulegen
from msbench import runs
from msbench import stats

NAMES = ('rebalance',)
DEFAULT_SIZE = 3
_SIMULATIONS = 200
_WARM_S = 3.0


def _first_casts_after(ctx: context.Context,
                       after: datetime.datetime) -> dict:
    """``{rule id: cast time of its first run due after ``after``}``.

    Cast, not created: a run may have been created ``fire_ahead`` before
    its time by the scheduler that was then killed; it fires when the
    new owner's sweep casts it.
    """
    first: dict = {}
    for row in sorted(runs.fetch(ctx.engine),
                      key=lambda r: r.scheduled_for):
        if row.scheduled_for > after and row.rule_id not in first:
            first[row.rule_id] = runs.cast_time(row)
    return {rule: cast for rule, cast in first.items() if cast is not None}


def _change(ctx: context.Context, action, label: str) -> dict:
    """Buckets moved by ``action``, which starts or stops a scheduler.

    ``converged_s`` runs from the moment ZooKeeper shows the new group
    until every scheduler logged owning its new share.
    """
    dep = ctx.deployment
    before = dep.observer.assignment()
    action()
    ms_fixtures.wait_for(lambda: dep.observer.members() != set(before),
                        120, 'the group to change')
    changed = time.monotonic()
    dep.wait_converged()
    converged = time.monotonic() - changed
    after = dep.observer.assignment()
    moved = membership.moved_buckets(before, after)
    ideal = deployment.NUM_BUCKETS / max(len(before), len(after))
    result = {'members_before': len(before), 'members_after': len(after),
              'moved': moved, 'ideal': ideal, 'ratio': moved / ideal,
              'converged_s': converged}
    context.LOG.info('%s: %d -> %d schedulers moved %d buckets (%.1f%%), '
                     '%.2fx the ideal, converged in %.1f s', label,
                     len(before), len(after), moved,
                     100 * moved / deployment.NUM_BUCKETS, result['ratio'],
                     converged)
    return result


def simulate_join(count: int) -> dict:
    """Moved/ideal for a join to ``count`` random-id members."""
    ratios = []
    for _ in range(_SIMULATIONS):
        ids = [f'scheduler-{i}:{os.getpid()}:{os.urandom(4).hex()}'.encode()
               for i in range(count + 1)]
        before = status.assign(ids[:-1], deployment.RING_POINTS,
                                   deployment.NUM_BUCKETS)
        after = status.assign(ids, deployment.RING_POINTS,
                                  deployment.NUM_BUCKETS)
        moved = membership.moved_buckets(before, after)
        ratios.append(moved * (count + 1) / deployment.NUM_BUCKETS)
    return {'samples': _SIMULATIONS, 'p50': stats.percentile(ratios, 50),
            'p95': stats.percentile(ratios, 95), 'max': max(ratios)}


def _grid_faults(ctx: context.Context) -> dict:
    """Duplicates and gaps in the every-second grid of the probes."""
    table = models.runs
    when = table.c.scheduled_for
    stmt = sa.select(sa.func.count(), sa.func.count(sa.distinct(when)),
                     sa.func.min(when), sa.func.max(when)).group_by(
                         table.c.rule_id)
    duplicates = misses = 0
    with ctx.engine.connect() as conn:
        for total, distinct, first, last in conn.execute(stmt):
            duplicates += total - distinct
            misses += int((last - first).total_seconds()) + 1 - distinct
    return {'duplicates': duplicates, 'misses': misses}


def failover_round(ctx: context.Context, count: int) -> dict:
    """Kill -9 a scheduler; time until each of its buckets fires."""
    dep = ctx.deployment
    dep.scale(count)
    ctx.servers.clear()
    victim = dep.schedulers[-1]
    owned = dep.observer.assignment()[dep.member_ids()[victim.name]]
    probes = rulegen.rule_ids_in_buckets(owned, deployment.NUM_BUCKETS)
    first = rulegen.utcnow().replace(microsecond=0) + datetime.timedelta(
        seconds=2)
    rulegen.copy_rules(ctx.engine, (rulegen.RuleSpec(first, '1s')
                                    for _ in probes),
                       deployment.NUM_BUCKETS, prefix='probe',
                       ids=probes.values())
    time.sleep(2 + _WARM_S)
    killed_at = rulegen.utcnow()
    dep.kill_scheduler(victim)
    began = time.monotonic()
    ms_fixtures.wait_for(
        lambda: victim.name not in dep.member_ids(),
        ctx.deployment.session_timeout + 30, 'the killed member to go')
    gone_s = time.monotonic() - began

    def fired_again():
        rows = _first_casts_after(ctx, killed_at)
        return rows if len(rows) >= len(probes) else None
    first_runs = ms_fixtures.wait_for(
        fired_again, ctx.deployment.session_timeout + 60,
        'the killed scheduler\'s buckets to fire again', interval=0.2)
    delays = [(t - killed_at).total_seconds()
              for t in first_runs.values()]
    time.sleep(2)
    result = {'buckets': len(probes), 'member_gone_s': gone_s,
              'fire_again_p50_s': stats.percentile(delays, 50),
              'fire_again_max_s': max(delays), **_grid_faults(ctx)}
    context.LOG.info('failover: member gone after %.1f s, buckets fired '
                     'again after %.1f s (max), session timeout %d s',
                     gone_s, result['fire_again_max_s'],
                     ctx.deployment.session_timeout)
    ctx.servers.clear()
    return result


def run(ctx: context.Context, names) -> dict:
    count = ctx.size_or(DEFAULT_SIZE)
    dep = ctx.deployment
    dep.scale(count)
    join = _change(ctx, lambda: dep.start_scheduler(wait=False), 'join')
    leave = _change(ctx, lambda: dep.stop_scheduler(dep.schedulers[0]),
                    'leave')
    rounds = [failover_round(ctx, count) for _ in range(ctx.repeat)]
    return {'rebalance': {
        'schedulers': count, 'join': join, 'leave': leave,
        'simulated_join': simulate_join(count),
        'session_timeout_s': dep.session_timeout,
        'failover': stats.median_of(rounds), 'failover_rounds': rounds,
    }}
