"""``migrator-scheduler-manage run``: list, show and purge runs."""

from __future__ import annotations

import argparse
import functools

from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import models
from migrator_scheduler.manage import common
from migrator_scheduler.manage import output
from migrator_scheduler.manage import rule_support
from migrator_scheduler.manage import run_views

HELP = 'List, show and purge runs (one per fire time of a rule).'

DEFAULT_LIMIT = 100
DEFAULT_BATCH_SIZE = 1000


def with_schema(func):
    """Check the schema before a run command (runs need no bucket
    count, so none is recorded or checked)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        db_api.require_current_schema()
        return func(*args, **kwargs)
    return wrapper


@with_schema
def list_(rule: str | None, project_id: str | None,
          state: list[str] | None, since: str | None, until: str | None,
          limit: int, marker: str | None, fmt: str) -> None:
    """Print runs, newest nominal time first."""
    states = run_views.states(state, '--state')
    start = run_views.time_arg(since, '--since')
    end = run_views.time_arg(until, '--until')
    run_views.bounded(limit, '--limit', run_views.MAX_LIMIT)
    rule_id = None if rule is None else rule_support.lookup_rule(rule)['id']
    runs = [run_views.with_timings(run) for run in db_api.find_runs(
        rule_id=rule_id, project_id=project_id, states=states, since=start,
        until=end, limit=limit, marker=marker)]
    if fmt == 'table':
        print(run_views.table(run_views.LIST_COLUMNS, runs))
    else:
        print(output.dump(runs, fmt))
    if len(runs) == limit:
        rule_support.note(f'More runs may follow: --marker {runs[-1]["id"]}')


@with_schema
def show(run_id: str, fmt: str) -> None:
    """Print one run, its rule and every attempt."""
    run = run_views.with_timings(db_api.get_run(run_id))
    attempts = run_views.attempts(run, db_api.list_attempts(run_id))
    if fmt == 'table':
        print(run_views.fields_table(run))
        print(f'\nAttempts of run {run_id}:')
        print(run_views.table(run_views.ATTEMPT_COLUMNS, attempts))
    else:
        print(output.dump({**run, 'attempts': attempts}, fmt))


@with_schema
def purge(older_than: str, state: list[str] | None, dry_run: bool,
          batch_size: int) -> None:
    """Delete final runs that finished before the given age."""
    age = run_views.days(older_than)
    states = run_views.states(state, '--state',
                              allowed=models.FINAL_RUN_STATES)
    run_views.bounded(batch_size, '--batch-size', run_views.MAX_BATCH_SIZE)
    cutoff = rule_support.now() - age
    if dry_run:
        count = db_api.count_purgeable_runs(cutoff, states)
        print(f'Would delete {count} runs that finished before '
              f'{cutoff.isoformat()}')
        return
    count = db_api.purge_runs(cutoff, states, batch_size=batch_size)
    print(f'Deleted {count} runs that finished before {cutoff.isoformat()}')


def _state_arg(help_text: str) -> common.Arg:
    return common.arg('--state', action='append', metavar='STATE',
                      help=f'{help_text} Repeat it, or separate states '
                      f'with commas.')


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    fmt = rule_support.format_arg(output.FORMATS, 'table')
    common.add_command(subparsers, 'list', list_,
                       'List runs, newest nominal time first.', [
        common.arg('--rule', metavar='RULE',
                   help='Only runs of this rule: its id, or PROJECT/NAME.'),
        common.arg('--project', '--project-id', dest='project_id',
                   metavar='PROJECT', help='Only runs of this project.'),
        _state_arg(f'Only runs in this state: one of '
                   f'{", ".join(models.RUN_STATES)}.'),
        common.arg('--since', metavar='ISO8601',
                   help='Only nominal times at or after this; needs a UTC '
                   'offset.'),
        common.arg('--until', metavar='ISO8601',
                   help='Only nominal times before this; needs a UTC '
                   'offset.'),
        common.arg('--limit', type=int, default=DEFAULT_LIMIT,
                   help=f'Most runs shown (default: {DEFAULT_LIMIT}, at '
                   f'most {run_views.MAX_LIMIT}).'),
        common.arg('--marker', metavar='RUN_ID',
                   help='Show the runs after this one (the last of the '
                   'previous page).'),
        fmt])
    common.add_command(subparsers, 'show', show,
                       'Show one run and all its attempts.', [
        common.arg('run_id', metavar='RUN_ID', help='Id of the run.'),
        fmt])
    common.add_command(subparsers, 'purge', purge,
                       'Delete runs in a final state that finished before '
                       'a given age; pending and running runs are kept.', [
        common.arg('--older-than', required=True, metavar='DAYS',
                   help='Age in days (fractions allowed) of the finish '
                   'time of the runs to delete.'),
        _state_arg(f'Only runs in this final state: one of '
                   f'{", ".join(models.FINAL_RUN_STATES)}.'),
        common.arg('--dry-run', action='store_true',
                   help='Only count the runs that would be deleted.'),
        common.arg('--batch-size', type=int, default=DEFAULT_BATCH_SIZE,
                   help=f'Runs deleted per transaction (default: '
                   f'{DEFAULT_BATCH_SIZE}, at most '
                   f'{run_views.MAX_BATCH_SIZE}).'),
    ])
