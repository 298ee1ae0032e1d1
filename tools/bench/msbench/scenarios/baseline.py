"""The seed's approach, measured in-process against the same database.

In the original demo every member, every 20 s, loaded ALL objects,
rebuilt a tooz hash ring (40 points per member) over the current members
and kept the objects the ring gave it. Here one such tick loads every
rule's scheduling columns from PostgreSQL through the product's engine,
rebuilds the ring over the real scheduler member ids and filters, then
keeps the due rules. Its cost is set against one idle tick of the real
scheduler: the query its loop makes, once per ``[scheduler]
max_idle_interval``, when nothing is due
(:func:`~migrator_scheduler.db.api.earliest_fire_time` on its buckets).
"""

from __future__ import annotations

import gc
import os
import statistics
import time

import sqlalchemy as sa
from tooz import hashring

from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import models

from msbench import context
from msbench import procstat
from msbench import rulegen

SEED_RING_POINTS = 40
SEED_PERIOD_S = 20.0
# An idle scheduler looks at its buckets once per [scheduler]
# max_idle_interval (1 s by default).
OUR_TICKS_PER_S = 1.0
_OUR_SAMPLES = 50
_COLUMNS = ('id', 'bucket', 'trigger_kind', 'trigger_expr', 'timezone',
            'start_at', 'end_at', 'misfire_policy', 'misfire_grace_time',
            'next_fire_at', 'version')


def _timed(function, *args) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = function(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, value


def _load_all() -> list[sa.Row]:
    table = models.rules
    with db_api.get_engine().connect() as conn:
        return conn.execute(
            sa.select(*(table.c[c] for c in _COLUMNS))).all()


def _select(rows, members: list[bytes], me: bytes) -> tuple[list, list]:
    """Rebuild the ring, keep this member's rules, then the due ones."""
    ring = hashring.HashRing(members, partitions=SEED_RING_POINTS)
    mine = [r for r in rows if me in ring.get_nodes(r.id.encode())]
    now = rulegen.utcnow()
    return mine, [r for r in mine
                  if r.next_fire_at is not None and r.next_fire_at <= now]


def seed_tick(members: list[bytes], me: bytes) -> dict:
    """One tick of the seed: load everything, rebuild, filter."""
    gc.collect()
    rss_before = procstat.rss_bytes(os.getpid())
    load_wall, load_cpu, rows = _timed(_load_all)
    rss_loaded = procstat.rss_bytes(os.getpid())

    ring_wall, ring_cpu, (mine, due) = _timed(_select, rows, members, me)
    result = {
        'wall_ms': (load_wall + ring_wall) * 1000,
        'cpu_ms': (load_cpu + ring_cpu) * 1000,
        'load_wall_ms': load_wall * 1000,
        'filter_wall_ms': ring_wall * 1000,
        'rss_mb': (rss_loaded - rss_before) / 2 ** 20,
        'rows': len(rows), 'mine': len(mine), 'due': len(due),
    }
    return result


def our_tick(buckets) -> tuple[float, float]:
    """Wall and CPU seconds of the scheduler's query on an idle tick."""
    wall, cpu, _ = _timed(db_api.earliest_fire_time, buckets)
    return wall, cpu


def measure(ctx: context.Context, size: int) -> dict:
    """Seed ticks and our idle ticks at the current ``size`` rules."""
    members = sorted(ctx.deployment.member_ids().values())
    me = members[0]
    seed = [seed_tick(members, me) for _ in range(max(1, ctx.repeat))]
    buckets = sorted(ctx.deployment.observer.assignment(set(members))[me])
    our_tick(buckets)  # connect and warm the statement cache
    ours = [our_tick(buckets) for _ in range(_OUR_SAMPLES)]
    seed_median = {k: statistics.median(t[k] for t in seed)
                   for k in seed[0]}
    our_wall = statistics.median(w for w, _ in ours) * 1000
    our_cpu = statistics.median(c for _, c in ours) * 1000
    per_period = OUR_TICKS_PER_S * SEED_PERIOD_S
    result = {
        'rules': size, 'members': len(members),
        'seed_tick': seed_median, 'seed_rounds': seed,
        'our_tick': {'wall_ms': our_wall, 'cpu_ms': our_cpu,
                     'buckets': len(buckets)},
        'ratio_per_tick_wall': seed_median['wall_ms'] / our_wall,
        'ratio_per_tick_cpu': seed_median['cpu_ms'] / max(our_cpu, 1e-3),
        # The seed ticks once per 20 s; the scheduler looks every 1 s.
        'ratio_per_20s_wall': seed_median['wall_ms'] / (
            our_wall * per_period),
    }
    context.LOG.info(
        'baseline at %d rules: seed tick %.0f ms (%.0f ms CPU, %.0f MB), '
        'our idle tick %.2f ms: %.0fx per tick, %.0fx per 20 s', size,
        seed_median['wall_ms'], seed_median['cpu_ms'],
        seed_median['rss_mb'], our_wall, result['ratio_per_tick_wall'],
        result['ratio_per_20s_wall'])
    return result
