"""Burst: N rules all due at the same instant T.

The rules are loaded a few seconds plus ``[scheduler] fire_ahead``
before T, when every scheduler has joined and owns its buckets (in real
use rules exist long before their fire time, and the schedulers start
on them ``fire_ahead`` early); each is an interval rule anchored at T,
so exactly one run per rule is due at T. A round ends when every run
finished (or at a timeout, which shows as unfinished runs).
"""

from __future__ import annotations

import datetime
import itertools

from msbench import context
from msbench import deployment
from msbench import rulegen
from msbench import runs
from msbench import stats

NAMES = ('burst',)
DEFAULT_SIZE = 10_000
# Seconds between the end of loading and T, plus loading time per rule
# (COPY and ANALYZE run at 20,000 to 40,000 rules/s here).
_LEAD = 3.0
_LOAD_SECONDS_PER_RULE = 1 / 10_000


def _whole_second(when: datetime.datetime) -> datetime.datetime:
    return when.replace(microsecond=0) + datetime.timedelta(seconds=1)


def _load(ctx: context.Context, size: int, label: str,
          record: str) -> tuple[datetime.datetime, list[str], float]:
    """Load the rules, all due a few seconds after loading ends.

    The load time is estimated; when loading overran (a busy machine),
    it is done again with twice the margin.
    """
    lead = (_LEAD + float(ctx.option('scheduler', 'fire_ahead')) +
            size * _LOAD_SECONDS_PER_RULE)
    for _ in range(3):
        ctx.servers.clear()
        nominal = _whole_second(rulegen.utcnow() +
                                datetime.timedelta(seconds=lead))
        spec = rulegen.RuleSpec(nominal, '1d', nominal)
        ids, load_s = rulegen.timed_copy(
            ctx.engine, itertools.repeat(spec, size),
            deployment.NUM_BUCKETS, job_args={'record': record},
            prefix=label)
        ctx.servers.execute('ANALYZE rules')
        if (nominal - rulegen.utcnow()).total_seconds() >= 0.5:
            return nominal, ids, load_s
        context.LOG.warning('%s: loading took %.1f s, longer than '
                            'planned; loading again', label, load_s)
        lead *= 2
    raise RuntimeError(f'{label}: could not load {size} rules ahead of '
                       f'their fire time')


def one_round(ctx: context.Context, size: int,
              label: str) -> tuple[dict, dict]:
    """Load ``size`` rules due at one instant; measure their firing.

    :returns: the round's results and the quantiles of its lags.
    """
    record = ctx.deployment.record_file(label)
    nominal, ids, load_s = _load(ctx, size, label, record)
    recasts = ctx.deployment.recasts()
    broker_errors = ctx.deployment.broker_errors()
    timeout = 60 + size / 100
    # Profiles cover the firing and casting, not the executors' tail.
    with ctx.profiling(label):
        runs.wait_cast(ctx.engine, size, timeout)
    # Without executors (a diagnostic: the schedulers alone) the runs
    # stay pending.
    if ctx.deployment.executor_count:
        runs.wait_finished(ctx.engine, size, timeout)
    rows = runs.fetch(ctx.engine)
    faults = runs.exactly_once(dict.fromkeys(ids, nominal), rows,
                               runs.read_records(record))
    last_cast = runs.last_event_s(rows, 'cast', nominal)
    result = {
        'lag_ms': runs.lag_summaries(rows),
        'last_commit_s': runs.last_event_s(rows, 'commit', nominal),
        'last_cast_s': last_cast,
        'last_start_s': runs.last_event_s(rows, 'start', nominal),
        'commit_runs_per_s': runs.rate_per_s(rows, 'commit'),
        'start_runs_per_s': runs.rate_per_s(rows, 'start'),
        'load_s': load_s,
        'broker_lost': ctx.deployment.broker_errors() - broker_errors,
        'recast': ctx.deployment.recasts() - recasts,
        **faults,
    }
    context.LOG.info(
        '%s: cast p50 %.0f ms p99 %.0f ms, last cast %.2f s, start p99 '
        '%.0f ms, duplicates %d, misses %d', label,
        result['lag_ms']['cast']['p50'], result['lag_ms']['cast']['p99'],
        last_cast, result['lag_ms']['start']['p99'], faults['duplicates'],
        faults['misses'])
    cdf = {kind: stats.quantiles(runs.lags_ms(rows, kind))
           for kind in runs.LAG_KINDS}
    return result, cdf


def run(ctx: context.Context, names) -> dict:
    """Rounds at 1, 3 and 6 schedulers; medians per scheduler count."""
    size = ctx.size_or(DEFAULT_SIZE)
    by_count = {}
    for count in ctx.burst_schedulers:
        ctx.deployment.scale(count)
        rounds, cdfs = [], []
        for index in range(1, ctx.repeat + 1):
            result, cdf = one_round(ctx, size,
                                    f'burst-{size}-{count}s-{index}')
            rounds.append(result)
            cdfs.append(cdf)
        median = stats.median_of(rounds)
        # The distribution shown is the round closest to the median p99.
        typical = min(range(len(rounds)), key=lambda i: abs(
            rounds[i]['lag_ms']['cast']['p99'] -
            median['lag_ms']['cast']['p99']))
        by_count[str(count)] = {'median': median, 'rounds': rounds,
                                'cdf_ms': cdfs[typical]}
    ctx.servers.clear()
    return {'burst': {'size': size, 'schedulers': by_count}}
