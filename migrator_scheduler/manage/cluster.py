"""``migrator-scheduler-manage cluster``: the scheduler group at a glance."""

import argparse

from migrator_scheduler.conf import CONF
from migrator_scheduler.coordination import status
from migrator_scheduler.manage import common
from migrator_scheduler.manage import output

HELP = 'Scheduler group membership and bucket ownership.'

_SCHEDULER_COLUMNS = ['host', 'member', 'verdict', 'reported', 'sees',
                      'ring', 'buckets', 'tzdata', 'clock', 'fired',
                      'rescued']


def _scheduler_row(scheduler: dict, checked_at) -> list:
    age = (checked_at - scheduler['reported_at']).total_seconds()
    offset = scheduler['clock_offset']
    return [scheduler['host'], scheduler['member_id'], scheduler['verdict'],
            f'{age:.0f}s ago', len(scheduler['members']),
            scheduler['ring_fingerprint'], scheduler['owned_buckets'],
            scheduler['tz_version'] or '?',
            '?' if offset is None else f'{-offset:+.3f}s',
            scheduler['fired_rules'],
            f"{scheduler['rescued_rules']}/{scheduler['rescued_runs']}"]


def _print_table(report: dict) -> None:
    print(f"Group: {len(report['members'])} members, ring "
          f"{report['ring']}, {report['num_buckets']} buckets")
    rows = [[m['member'], m['host'], m['buckets'], m['due']]
            for m in report['members']]
    print(output.table(['member', 'host', 'buckets', 'due'], rows))
    print('Schedulers, each as it sees the group (clock: this host ahead '
          'of the database; rescued: rules/runs):')
    print(output.table(_SCHEDULER_COLUMNS, [
        _scheduler_row(s, report['checked_at'])
        for s in report['schedulers']]))
    overdue = report['overdue']
    print(f"due without owner: {report['unowned_due']}  overdue by more "
          f"than {report['rescue_after']:.0f}s: {overdue['rules']} rules, "
          f"{overdue['uncast_runs']} runs never cast")
    runs = ', '.join(f'{state} {count}'
                     for state, count in sorted(report['runs'].items()))
    print(f'runs: {runs or "none"}')
    if report['problems']:
        print(f"{len(report['problems'])} problems:")
        for problem in report['problems']:
            print(f'  - {problem}')
    else:
        print('healthy')


def show_status(fmt: str, settle: float) -> int:
    """Print the group, each scheduler's view and what is wrong.

    :returns: 1 when something is wrong (for monitoring), else 0.
    """
    report = status.cluster_status(CONF, settle=settle)
    if fmt == 'table':
        _print_table(report)
    else:
        print(output.dump(report, fmt))
    return 0 if report['healthy'] else 1


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    common.add_command(
        subparsers, 'status', show_status,
        'Show the schedulers in the coordination group, how many buckets '
        'each owns and how many due rules wait in them, every scheduler\'s '
        'own view of the group, and any problem: views that disagree, '
        'schedulers that stopped reporting or refuse to fire, rules '
        'overdue past the rescue bound. Exits with 1 when there is a '
        'problem, so monitoring can run it.',
        args=[common.arg('--format', dest='fmt', choices=output.FORMATS,
                         default='table', help='Output format.'),
              common.arg('--settle', type=float, metavar='SECONDS',
                         default=status.DEFAULT_SETTLE,
                         help='When problems are found, check again after '
                              'this long and report that (problems seen '
                              'during a membership change are gone a '
                              'moment later); 0 reports the first check '
                              '(default: %(default)s).')])
