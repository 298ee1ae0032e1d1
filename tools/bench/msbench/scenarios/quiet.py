"""Quiet load: a steady 200 fires per second, spread over time.

N interval rules (default 12,000: one minute) with staggered phases:
rule i first fires at T0 + i/200 s, then hourly. Three schedulers. What
matters is the lag of each single firing when nothing queues up.
"""

from __future__ import annotations

import datetime
import time

from msbench import context
from msbench import deployment
from msbench import rulegen
from msbench import runs
from msbench import stats

NAMES = ('quiet',)
DEFAULT_SIZE = 12_000
RATE = 200
SCHEDULERS = 3
_LEAD = 3.0
_WINDOW_S = 10


def _windows(rows, start: datetime.datetime) -> list[dict]:
    """Cast lag p50/p99 of each ``_WINDOW_S`` seconds of nominal time."""
    buckets: dict[int, list] = {}
    for row in rows:
        index = int((row.scheduled_for - start).total_seconds()
                    // _WINDOW_S)
        buckets.setdefault(index, []).append(row)
    return [{'from_s': i * _WINDOW_S,
             **{k: v for k, v in stats.summary(
                 runs.lags_ms(buckets[i], 'cast')).items()
                if k != 'max'}}
            for i in sorted(buckets)]


def run(ctx: context.Context, names) -> dict:
    """Load the staggered rules, let them fire, measure every firing."""
    size = ctx.size_or(DEFAULT_SIZE)
    if ctx.quick:
        size = min(size, RATE * 10)
    ctx.deployment.scale(SCHEDULERS)
    ctx.servers.clear()
    record = ctx.deployment.record_file('quiet')
    # The first rules are loaded fire_ahead before their time, as the
    # later ones are: the schedulers see every rule early enough.
    start = rulegen.utcnow().replace(microsecond=0) + datetime.timedelta(
        seconds=_LEAD + 1 + size / 20_000 +
        float(ctx.option('scheduler', 'fire_ahead')))
    step = datetime.timedelta(microseconds=1_000_000 // RATE)
    due = [start + i * step for i in range(size)]
    ids, load_s = rulegen.timed_copy(
        ctx.engine, (rulegen.RuleSpec(t, '1h', t) for t in due),
        deployment.NUM_BUCKETS, job_args={'record': record},
        prefix='quiet')
    ctx.servers.execute('ANALYZE rules')
    broker_errors = ctx.deployment.broker_errors()
    if rulegen.utcnow() > start:
        raise RuntimeError('quiet: loading ended after the first rule '
                           'was due')
    with ctx.profiling('quiet'):
        time.sleep(max(0.0, (due[-1] - rulegen.utcnow()).total_seconds()))
        runs.wait_cast(ctx.engine, size, timeout=60)
    runs.wait_finished(ctx.engine, size, timeout=60)
    rows = runs.fetch(ctx.engine)
    faults = runs.exactly_once(dict(zip(ids, due)), rows,
                               runs.read_records(record))
    result = {
        'size': size, 'rate_per_s': RATE, 'schedulers': SCHEDULERS,
        'seconds': size / RATE, 'load_s': load_s,
        'lag_ms': runs.lag_summaries(rows),
        'windows': _windows(rows, start),
        'cdf_ms': {kind: stats.quantiles(runs.lags_ms(rows, kind))
                   for kind in runs.LAG_KINDS},
        'broker_lost': ctx.deployment.broker_errors() - broker_errors,
        **faults,
    }
    context.LOG.info('quiet: %d rules at %d/s: cast p50 %.1f ms p99 %.1f '
                     'ms, duplicates %d, misses %d', size, RATE,
                     result['lag_ms']['cast']['p50'],
                     result['lag_ms']['cast']['p99'],
                     faults['duplicates'], faults['misses'])
    ctx.servers.clear()
    return {'quiet': result}
