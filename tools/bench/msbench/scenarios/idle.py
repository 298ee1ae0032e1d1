"""Idle cost: many rules, none due for the next hour.

Rules are bulk-loaded (COPY) with next fire times spread over the hour
after the next one, first a tenth of N, then up to N (default
1,000,000). At each size the worker processes of three schedulers are
watched for a minute through ``/proc``: CPU and resident memory should
not depend on the number of rules. The baseline scenario (the seed's
load-everything tick) runs at the same sizes, on the same rules.
"""

from __future__ import annotations

import datetime
import statistics
import time

from msbench import context
from msbench import deployment
from msbench import procstat
from msbench import rulegen
from msbench.scenarios import baseline

NAMES = ('idle', 'baseline')
DEFAULT_SIZE = 1_000_000
SCHEDULERS = 3
WINDOW_S = 60.0
_SETTLE_S = 5.0


def _load(ctx: context.Context, first: int, last: int) -> float:
    """Add rules ``first`` to ``last - 1``; return the seconds it took."""
    start = rulegen.utcnow() + datetime.timedelta(hours=1, minutes=1)
    span = 3600.0 / max(last, 1)
    specs = (rulegen.RuleSpec(start + datetime.timedelta(seconds=i * span))
             for i in range(first, last))
    began = time.monotonic()
    rulegen.copy_rules(ctx.engine, specs, deployment.NUM_BUCKETS,
                       prefix=f'idle-{first}')
    ctx.servers.execute('VACUUM ANALYZE rules')
    return time.monotonic() - began


def watch(ctx: context.Context) -> dict:
    """CPU and RSS of every scheduler worker over the window."""
    time.sleep(_SETTLE_S)
    pids = ctx.deployment.worker_pids()
    seen = procstat.sample(pids, ctx.window(WINDOW_S))
    cpu = [s['cpu_percent'] for s in seen.values()]
    growth = [s['rss_mb_end'] - s['rss_mb_start'] for s in seen.values()]
    return {
        'window_s': ctx.window(WINDOW_S),
        'cpu_percent_mean': statistics.mean(cpu),
        'cpu_percent_max': max(cpu),
        'rss_mb_mean': statistics.mean(s['rss_mb_end']
                                       for s in seen.values()),
        'rss_growth_mb_max': max(growth),
        'schedulers': seen,
    }


def run(ctx: context.Context, names) -> dict:
    """Both sizes; idle watching and baseline ticks as selected."""
    large = ctx.size_or(DEFAULT_SIZE)
    sizes = (large // 10, large)
    ctx.deployment.scale(SCHEDULERS)
    ctx.servers.clear()
    idle, seed, loaded = {}, {}, 0
    for size in sizes:
        load_s = _load(ctx, loaded, size)
        context.LOG.info('%d idle rules in the database (%d loaded in '
                         '%.1f s)', size, size - loaded, load_s)
        loaded = size
        if 'idle' in names:
            idle[str(size)] = watch(ctx)
            context.LOG.info(
                'idle at %d rules: scheduler CPU %.2f%% of a core (max '
                '%.2f%%), RSS %.1f MB, growth %.1f MB', size,
                idle[str(size)]['cpu_percent_mean'],
                idle[str(size)]['cpu_percent_max'],
                idle[str(size)]['rss_mb_mean'],
                idle[str(size)]['rss_growth_mb_max'])
        if 'baseline' in names:
            seed[str(size)] = baseline.measure(ctx, size)
    ctx.servers.clear()
    results = {}
    if idle:
        results['idle'] = {'schedulers': SCHEDULERS, 'sizes': idle}
    if seed:
        results['baseline'] = {'sizes': seed}
    return results
