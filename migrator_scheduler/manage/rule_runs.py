"""``rule run`` and ``rule backfill``: runs nobody's trigger asked for."""

from __future__ import annotations

import argparse
import datetime

from migrator_scheduler.db import api as db_api
from migrator_scheduler import exception
from migrator_scheduler.manage import common
from migrator_scheduler.manage import rule_support
from migrator_scheduler.manage import run_views
from migrator_scheduler.rules import spec

MAX_KEY_LENGTH = 64
DEFAULT_BACKFILL = 100
MAX_BACKFILL = 1000


@rule_support.with_database
def run_command(rule_id: str, key: str | None) -> None:
    """Run a rule now, once per ``--key``; print the run's id."""
    if key is not None and not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise exception.InvalidInput(
            '--key', f'must have 1 to {MAX_KEY_LENGTH} characters')
    found = rule_support.lookup_rule(rule_id)
    run, created = db_api.run_now(found, rule_support.now(), key)
    print(run['id'])
    if not created:
        rule_support.warn(f'key {key!r} was used already: this is the run it '
                    f'made, {run["state"]}')


def fire_times_between(rule: dict, start: datetime.datetime,
                       end: datetime.datetime,
                       limit: int) -> list[datetime.datetime]:
    """The rule's fire times in [start, end), at most ``limit`` + 1."""
    trigger = spec.trigger_of(rule)
    found = []
    when = trigger.next_fire(start - datetime.timedelta(microseconds=1))
    while when is not None and when < end and len(found) <= limit:
        found.append(when)
        when = trigger.next_fire(when)
    return found


@rule_support.with_database
def backfill_command(rule_id: str, since: str, until: str, max_runs: int,
                     dry_run: bool) -> None:
    """Create the runs of a past range of fire times."""
    start = run_views.time_arg(since, '--from')
    end = run_views.time_arg(until, '--to')
    run_views.bounded(max_runs, '--max', MAX_BACKFILL)
    now = rule_support.now()
    if end > now:
        raise exception.InvalidInput(
            '--to', f'{end.isoformat()} is in the future: fire times to come '
            'are the scheduler\'s')
    if start >= end:
        raise exception.InvalidInput('--from', 'must be before --to')
    found = rule_support.lookup_rule(rule_id)
    times = fire_times_between(found, start, end, max_runs)
    if len(times) > max_runs:
        raise exception.InvalidInput(
            '--max', f'the range holds more than {max_runs} fire times; '
            'narrow it or raise --max (nothing was created)')
    if dry_run:
        print(f'Would create up to {len(times)} runs')
        return
    created = db_api.backfill(found, times, now)
    print(f'Created {len(created)} runs ({len(times) - len(created)} '
          f'existed already); they start one at a time, oldest first')


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    common.add_command(subparsers, 'run', run_command,
                       'Run a rule now (cast within [scheduler] '
                       'sweep_interval).', [
                           rule_support.RULE_ID_ARG,
                           common.arg('--key', metavar='KEY',
                                      help='Deduplication key: the same '
                                      'key runs the rule once.')])
    common.add_command(subparsers, 'backfill', backfill_command,
                       'Create the runs of past fire times.', [
                           rule_support.RULE_ID_ARG,
                           common.arg('--from', dest='since', required=True,
                                      metavar='ISO8601',
                                      help='First fire time (inclusive).'),
                           common.arg('--to', dest='until', required=True,
                                      metavar='ISO8601',
                                      help='End of the range (exclusive), '
                                      'not in the future.'),
                           common.arg('--max', dest='max_runs', type=int,
                                      default=DEFAULT_BACKFILL,
                                      metavar='COUNT',
                                      help='Refuse a range with more fire '
                                      'times (default 100, at most '
                                      '1000).'),
                           common.arg('--dry-run', action='store_true',
                                      help='Only count.')])
