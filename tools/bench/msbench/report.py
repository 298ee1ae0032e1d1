"""The printed tables of a run."""

from __future__ import annotations

from msbench import targets as targets_mod


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in column)
              for column in zip(headers, *rows)]

    def line(cells):
        return '  '.join(str(c).rjust(w) for c, w in zip(cells, widths))
    rule = '  '.join('-' * w for w in widths)
    return '\n'.join([line(headers), rule, *(line(r) for r in rows)])


def _ratio(value: float) -> str:
    return f'{value:.0f}x' if value >= 10 else f'{value:.1f}x'


def _lags(summary: dict) -> str:
    return (f'{summary["p50"]:.0f}/{summary["p99"]:.0f}/'
            f'{summary["max"]:.0f}')


def _disturbed(results: dict) -> str:
    lost = sum(r.get('broker_lost', 0) for r in results)
    return (f'\n(!) RabbitMQ connections were lost {lost} times during '
            f'these measurements: the broker is shared, and something '
            f'else restarted it' if lost else '')


def burst(result: dict, repeat: int) -> str:
    rows = []
    for count, entry in result['schedulers'].items():
        m = entry['median']
        rows.append([count, _lags(m['lag_ms']['commit']),
                     _lags(m['lag_ms']['cast']),
                     _lags(m['lag_ms']['start']),
                     f'{m["last_cast_s"]:.2f}', f'{m["last_start_s"]:.2f}',
                     f'{m["commit_runs_per_s"]:.0f}',
                     f'{m.get("start_runs_per_s", float("nan")):.0f}',
                     m.get('recast', 0),
                     m['duplicates'], m['misses']])
    return (f'Burst: {result["size"]:,} rules due at once (medians of '
            f'{repeat} rounds; lags in ms, p50/p99/max)\n' + _table(
                ['schedulers', 'commit', 'cast', 'start', 'last cast s',
                 'last start s', 'committed/s', 'started/s', 'recast',
                 'dup', 'miss'],
                rows) +
            _disturbed([r for e in result['schedulers'].values()
                        for r in e['rounds']]))


def quiet(result: dict) -> str:
    lag = result['lag_ms']
    rows = [[f'{result["size"]:,}', result['rate_per_s'],
             f'{lag["commit"]["p50"]:.1f}/{lag["commit"]["p99"]:.1f}',
             f'{lag["cast"]["p50"]:.1f}/{lag["cast"]["p99"]:.1f}',
             f'{lag["cast"]["max"]:.0f}',
             f'{lag["start"]["p50"]:.1f}/{lag["start"]["p99"]:.1f}',
             result['duplicates'], result['misses']]]
    return (f'Quiet load: {result["schedulers"]} schedulers (lags in ms)\n'
            + _table(['rules', 'fires/s', 'commit p50/p99',
                      'cast p50/p99', 'cast max', 'start p50/p99', 'dup',
                      'miss'], rows) + _disturbed([result]))


def idle(result: dict) -> str:
    rows = [[f'{int(size):,}', f'{e["cpu_percent_mean"]:.2f}',
             f'{e["cpu_percent_max"]:.2f}', f'{e["rss_mb_mean"]:.1f}',
             f'{e["rss_growth_mb_max"]:+.1f}', f'{e["window_s"]:.0f}']
            for size, e in sorted(result['sizes'].items(),
                                  key=lambda i: int(i[0]))]
    return (f'Idle: {result["schedulers"]} scheduler workers, nothing due '
            f'for an hour\n' + _table(
                ['rules', 'CPU % mean', 'CPU % max', 'RSS MB',
                 'RSS growth MB', 'window s'], rows))


def baseline(result: dict) -> str:
    rows = []
    for size, e in sorted(result['sizes'].items(), key=lambda i: int(i[0])):
        seed, ours = e['seed_tick'], e['our_tick']
        rows.append([f'{int(size):,}', f'{seed["wall_ms"]:.0f}',
                     f'{seed["load_wall_ms"]:.0f}',
                     f'{seed["cpu_ms"]:.0f}', f'{seed["rss_mb"]:.0f}',
                     f'{ours["wall_ms"]:.2f}', f'{ours["cpu_ms"]:.2f}',
                     _ratio(e['ratio_per_tick_wall']),
                     _ratio(e['ratio_per_20s_wall'])])
    return ('Baseline: the seed\'s tick (load all, rebuild ring, filter) '
            'vs our idle tick, per member\n' + _table(
                ['rules', 'seed ms', 'load ms', 'seed CPU ms', 'seed MB',
                 'our ms', 'our CPU ms', 'ratio/tick', 'ratio/20 s'],
                rows))


def rebalance(result: dict) -> str:
    rows = [[what, f'{e["members_before"]} -> {e["members_after"]}',
             e['moved'], f'{e["ideal"]:.0f}', f'{e["ratio"]:.2f}',
             f'{e["converged_s"]:.1f}']
            for what, e in (('join', result['join']),
                            ('leave', result['leave']))]
    sim = result['simulated_join']
    fail = result['failover']
    return ('Rebalance (1024 buckets)\n' + _table(
        ['change', 'members', 'moved', 'ideal', 'ratio', 'converged s'],
        rows) + f'\nrandom member ids, join: moved/ideal p50 '
        f'{sim["p50"]:.2f}, p95 {sim["p95"]:.2f}, max {sim["max"]:.2f} '
        f'({sim["samples"]} samples)\n'
        f'failover (kill -9, session timeout '
        f'{result["session_timeout_s"]} s): member gone after '
        f'{fail["member_gone_s"]:.1f} s, buckets fired again after '
        f'{fail["fire_again_p50_s"]:.1f} s (p50) / '
        f'{fail["fire_again_max_s"]:.1f} s (max); duplicates '
        f'{fail["duplicates"]}, misses {fail["misses"]}')


def verdicts(items: list[targets_mod.Verdict]) -> str:
    marks = {True: 'PASS', False: 'FAIL', None: '-'}
    rows = [[v.name, v.target, v.measured, marks[v.passed]] for v in items]
    return 'Targets\n' + _table(['what', 'target', 'measured', ''], rows)


def render(results: dict, repeat: int) -> str:
    """Every table of ``results``, then the targets."""
    renderers = {
        'burst': lambda result: burst(result, repeat),
        'quiet': quiet, 'idle': idle, 'baseline': baseline,
        'rebalance': rebalance,
    }
    parts = [render_one(results[name]) for name, render_one
             in renderers.items() if name in results]
    parts.append(verdicts(targets_mod.evaluate(results)))
    return '\n\n'.join(parts) + '\n'
