"""The performance targets, checked against a run's results."""

from __future__ import annotations

import typing

# RSS is "flat" when it moves less than this over a window, and between
# the smaller and the larger idle size.
RSS_WINDOW_GROWTH_MB = 2.0
RSS_SIZE_GROWTH_MB = 5.0


class Verdict(typing.NamedTuple):
    """One target: what was asked, what was measured, whether it held."""

    name: str
    target: str
    measured: str
    passed: bool | None  # None: not measured in this run


def _burst(result: dict) -> list[Verdict]:
    size, verdicts = result['size'], []
    by = result['schedulers']
    if size == 10_000 and '3' in by:
        p99 = by['3']['median']['lag_ms']['cast']['p99']
        verdicts.append(Verdict(
            f'burst {size:,}, 3 schedulers: p99 cast lag', '<= 1000 ms',
            f'{p99:.0f} ms', p99 <= 1000))
    if size >= 100_000:
        for count, entry in by.items():
            last = entry['median']['last_cast_s']
            verdicts.append(Verdict(
                f'burst {size:,}, {count} schedulers: all cast', '<= 10 s',
                f'{last:.1f} s', last <= 10))
    return verdicts


def _quiet(result: dict) -> list[Verdict]:
    p99 = result['lag_ms']['cast']['p99']
    return [Verdict(f'quiet {result["rate_per_s"]}/s: p99 cast lag',
                    '<= 50 ms', f'{p99:.1f} ms', p99 <= 50)]


def _idle(result: dict) -> list[Verdict]:
    sizes = sorted(result['sizes'], key=int)
    small, large = result['sizes'][sizes[0]], result['sizes'][sizes[-1]]
    cpu, cpu_max = large['cpu_percent_mean'], large['cpu_percent_max']
    drift = large['rss_mb_mean'] - small['rss_mb_mean']
    growth = large['rss_growth_mb_max']
    flat = (growth <= RSS_WINDOW_GROWTH_MB and
            drift <= RSS_SIZE_GROWTH_MB)
    return [
        Verdict(f'idle {int(sizes[-1]):,} rules: scheduler CPU',
                '<= 1% of a core', f'{cpu:.2f}% (max {cpu_max:.2f}%)',
                cpu <= 1.0),
        Verdict(f'idle {int(sizes[-1]):,} rules: scheduler RSS flat',
                f'+<= {RSS_WINDOW_GROWTH_MB:g} MB/window, '
                f'+<= {RSS_SIZE_GROWTH_MB:g} MB vs {int(sizes[0]):,}',
                f'{large["rss_mb_mean"]:.1f} MB, +{growth:.1f} MB, '
                f'{drift:+.1f} MB', flat),
    ]


def _rebalance(result: dict) -> list[Verdict]:
    verdicts = [
        Verdict(f'{what}: buckets moved / ideal', '<= 1.2',
                f'{result[what]["ratio"]:.2f} ({result[what]["moved"]} '
                f'buckets)', result[what]['ratio'] <= 1.2)
        for what in ('join', 'leave')]
    limit = result['session_timeout_s'] + 2
    worst = result['failover']['fire_again_max_s']
    verdicts.append(Verdict(
        'failover after kill -9: buckets fire again',
        f'<= session timeout + 2 s = {limit} s', f'{worst:.1f} s',
        worst <= limit))
    return verdicts


def _exactly_once(results: dict) -> Verdict | None:
    faults = {}
    for name, path in (('burst', None), ('quiet', ()),
                       ('rebalance', ('failover',))):
        if name not in results:
            continue
        if name == 'burst':
            entries = [e['median'] for e in
                       results['burst']['schedulers'].values()]
        else:
            entry = results[name]
            for key in path:
                entry = entry[key]
            entries = [entry]
        for entry in entries:
            for key in ('duplicates', 'misses', 'executed_twice',
                        'wrong_time'):
                faults[key] = faults.get(key, 0) + entry.get(key, 0)
    if not faults:
        return None
    measured = ', '.join(f'{k} {v}' for k, v in faults.items())
    return Verdict('exactly once (all rounds)', '0 duplicates, 0 misses',
                   measured, not any(faults.values()))


def evaluate(results: dict) -> list[Verdict]:
    """Every target the scenarios run in ``results`` can be checked on."""
    verdicts = []
    for name, check in (('burst', _burst), ('quiet', _quiet),
                        ('idle', _idle), ('rebalance', _rebalance)):
        if name in results:
            verdicts.extend(check(results[name]))
    once = _exactly_once(results)
    if once:
        verdicts.append(once)
    return verdicts
