"""Command line of the benchmark: run the scenarios, write the report."""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import math
import os
import time
import traceback

from msbench import context
from msbench import deployment
from msbench import machine
from msbench import plot
from msbench import profiling
from msbench import report
from msbench import scenarios
from msbench import targets

DEFAULT_OUTPUT = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'results')


def _override(text: str) -> tuple[str, str, str]:
    try:
        key, value = text.split('=', 1)
        section, option = key.split('.', 1)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'{text!r} is not SECTION.OPTION=VALUE') from None
    return section, option, value


def _counts(text: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(n) for n in text.split(','))
    except ValueError:
        counts = ()
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(
            f'{text!r} is not a list of counts such as 1,3,6')
    return counts


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog='tools/bench/run.py',
        description='Benchmark migrator-scheduler on this machine\'s '
                    'ZooKeeper, RabbitMQ and PostgreSQL with real '
                    'scheduler and executor processes.')
    parser.add_argument(
        '--scenario', action='append', choices=scenarios.NAMES,
        help='scenario to run; repeat for several (default: all)')
    parser.add_argument(
        '--size', type=int,
        help='size of the scenarios run: burst and quiet rules (10,000 '
             'and 12,000), idle and baseline rules (1,000,000, also '
             'measured at a tenth), rebalance schedulers before the join '
             '(3)')
    parser.add_argument('--repeat', type=int, default=3,
                        help='rounds per measurement; medians are '
                             'reported (default 3)')
    parser.add_argument('--output', default=DEFAULT_OUTPUT,
                        help='directory for the run\'s folder (default '
                             'tools/bench/results)')
    parser.add_argument('--executors', type=int, default=3,
                        help='executor processes (default 3)')
    parser.add_argument('--session-timeout', type=int, default=5,
                        help='ZooKeeper session timeout of the '
                             'schedulers, seconds (default 5)')
    parser.add_argument('--nice-executors', type=int, default=0,
                        metavar='N',
                        help='run the executors at CPU niceness N: a '
                             'diagnostic, to see the schedulers without '
                             'executors competing for the same cores')
    parser.add_argument('--set', dest='overrides', action='append',
                        type=_override, default=[],
                        metavar='SECTION.OPTION=VALUE',
                        help='configuration option for every process, '
                             'e.g. scheduler.batch_size=2000')
    parser.add_argument('--schedulers', type=_counts, default=(1, 3, 6),
                        help='scheduler counts of the burst scenario '
                             '(default 1,3,6)')
    parser.add_argument('--profile', action='store_true',
                        help='record py-spy profiles of every worker '
                             'during burst rounds and the quiet load')
    parser.add_argument('--quick', action='store_true',
                        help='10-second observation windows: to try the '
                             'harness, not to measure')
    return parser.parse_args(argv)


def _overrides(items) -> dict:
    sections: dict = {}
    for section, option, value in items:
        sections.setdefault(section, {})[option] = value
    return sections


def _json_safe(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _run_scenarios(ctx: context.Context, selected) -> tuple[dict, dict]:
    results, errors = {}, {}
    for module, names in scenarios.plan(selected):
        started = time.monotonic()
        try:
            results.update(module.run(ctx, names))
        except Exception as exc:
            context.LOG.error('Scenario %s failed: %s', '+'.join(names),
                              exc)
            for name in names:
                errors[name] = traceback.format_exc()
        context.LOG.info('%s took %.0f s', '+'.join(names),
                         time.monotonic() - started)
    return results, errors


def _write(rundir: str, document: dict, text: str) -> bool:
    """Write results.json, summary.txt and lag.png; False if no plot."""
    with open(os.path.join(rundir, 'results.json'), 'w') as f:
        json.dump(_json_safe(document), f, indent=1, default=str)
    with open(os.path.join(rundir, 'summary.txt'), 'w') as f:
        f.write(text)
    return plot.write(document['results'],
                      os.path.join(rundir, 'lag.png'))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit status 1 on a scenario error or any
    duplicate or missed run."""
    args = parse_args(argv)
    # force: importing the services' libraries may have set handlers up.
    logging.basicConfig(level=logging.INFO, force=True,
                        format='%(asctime)s %(levelname)s %(message)s')
    for noisy in ('kazoo', 'tooz', 'oslo_db', 'alembic'):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    stamp = datetime.datetime.now().strftime('%Y%m%d-%H%M%S')
    rundir = os.path.join(os.path.abspath(args.output), stamp)
    os.makedirs(rundir)
    context.LOG.info('Writing to %s', rundir)
    started = time.monotonic()
    with deployment.Deployment(rundir, args.session_timeout, args.executors,
                               _overrides(args.overrides),
                               args.nice_executors) as dep:
        described = machine.describe(dep.servers)
        ctx = context.Context(
            dep, args.size, max(1, args.repeat), args.quick,
            profiling.Profiler(rundir, args.profile), args.schedulers)
        results, errors = _run_scenarios(ctx, args.scenario)
    text = report.render(results, ctx.repeat)
    verdicts = targets.evaluate(results)
    document = {
        'date': stamp, 'duration_s': time.monotonic() - started,
        'arguments': vars(args), 'machine': described,
        'session_timeout_s': args.session_timeout,
        'results': results, 'errors': errors,
        'targets': [v._asdict() for v in verdicts],
    }
    plotted = _write(rundir, document, text)
    print(text)
    print(f'Results, plot{"" if plotted else " (none)"} and logs in '
          f'{rundir}; run took {document["duration_s"] / 60:.1f} min')
    wrong = [v for v in verdicts if v.name.startswith('exactly once')
             and v.passed is False]
    return 1 if errors or wrong else 0
