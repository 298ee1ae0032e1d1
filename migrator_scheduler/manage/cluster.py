"""``migrator-scheduler-manage cluster``: the scheduler group at a glance."""

import argparse

from migrator_scheduler.conf import CONF
from migrator_scheduler.coordination import status
from migrator_scheduler.manage import common
from migrator_scheduler.manage import output

HELP = 'Scheduler group membership and bucket ownership.'


def show_status(fmt: str) -> None:
    """Print members, buckets owned by each and their due backlog."""
    report = status.cluster_status(CONF)
    if fmt != 'table':
        print(output.dump(report, fmt))
        return
    rows = [[m['member'], m['host'], m['buckets'], m['due']]
            for m in report['members']]
    print(output.table(['member', 'host', 'buckets', 'due'], rows))
    print(f"buckets: {report['num_buckets']}  "
          f"members: {len(report['members'])}  "
          f"due without owner: {report['unowned_due']}")
    runs = ', '.join(f'{state} {count}'
                     for state, count in sorted(report['runs'].items()))
    print(f'runs: {runs or "none"}')


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    common.add_command(
        subparsers, 'status', show_status,
        'Show the schedulers in the coordination group, how many buckets '
        'each owns and how many due rules wait in them.',
        args=[common.arg('--format', dest='fmt', choices=output.FORMATS,
                         default='table', help='Output format.')])
