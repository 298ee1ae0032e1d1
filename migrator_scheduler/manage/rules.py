"""``migrator-scheduler-manage rule``: create, inspect and move rules."""

import argparse
import json

from migrator_scheduler.db import api as db_api
from migrator_scheduler import exception
from migrator_scheduler.manage import common
from migrator_scheduler.manage import fire_times
from migrator_scheduler.manage import output
from migrator_scheduler.manage import rule_files
from migrator_scheduler.manage import rule_preview
from migrator_scheduler.manage import rule_runs
from migrator_scheduler.manage import rule_support
from migrator_scheduler.rules import limits
from migrator_scheduler.rules import spec

HELP = 'Create, inspect, preview, import and export rules.'

_TABLE_COLUMNS = (('ID', 'id'), ('Project', 'project_id'), ('Name', 'name'),
                  ('Job', 'job_type'), ('Kind', 'trigger_kind'),
                  ('Expression', 'trigger_expr'), ('Timezone', 'timezone'),
                  ('Paused', 'paused'), ('Next fire (UTC)', 'next_fire_at'))


def _print_rules(rules: list[dict], fmt: str) -> None:
    if fmt == 'table':
        print(output.table([title for title, _ in _TABLE_COLUMNS],
                           [[rule[key] for _, key in _TABLE_COLUMNS]
                            for rule in rules]))
    else:
        print(output.dump(rules, fmt))


@rule_support.with_database
def create(name: str, job_type: str, job_args: str | None,
           trigger_kind: str, expression: str, timezone: str,
           start_at: str | None, end_at: str | None,
           project_id: str | None, description: str | None,
           misfire_policy: str | None, misfire_grace_time: int | None,
           paused: bool, job_timeout: int | None = None,
           max_attempts: int | None = None, retry_delay: int | None = None,
           retry_max_delay: int | None = None,
           spread_window: int | None = None,
           jitter: int | None = None, overlap: str | None = None,
           concurrency_key: str | None = None,
           max_runs: int | None = None) -> None:
    """Create one rule and print its id."""
    retry = {'max_attempts': max_attempts, 'delay': retry_delay,
             'max_delay': retry_max_delay}
    spread = {'window': spread_window, 'jitter': jitter}
    document = {
        'name': name, 'project_id': project_id, 'description': description,
        'job': {'type': job_type, 'args': _json_arg(job_args, 'job.args'),
                'timeout': job_timeout,
                'retry': retry if any(v is not None for v in retry.values())
                else None},
        'trigger': {'kind': trigger_kind, 'expression': expression,
                    'timezone': timezone, 'start_at': start_at,
                    'end_at': end_at},
        'misfire_policy': misfire_policy,
        'misfire_grace_time': misfire_grace_time, 'paused': paused,
        'spread': spread if any(v is not None for v in spread.values())
        else None,
        'overlap': overlap,
        'concurrency': (None if concurrency_key is None
                        else {'key': concurrency_key}),
        'max_runs': max_runs,
    }
    now = rule_support.now()
    # Options not given are None, which a document reads as "default".
    values = spec.validate_rule(document, rule_support.defaults(), now)
    try:
        db_api.find_rule(values['project_id'], values['name'])
    except exception.RuleNotFound:
        pass
    else:
        raise exception.Conflict(
            f'rule {values["project_id"]}/{values["name"]} already exists')
    [rule_id] = db_api.create_rules([values])
    print(rule_id)
    fire_times.show_created(values, now)


def _json_arg(text: str | None, field: str):
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise exception.InvalidInput(field, f'not valid JSON: {exc}') from None
    except RecursionError:
        raise exception.InvalidInput(
            field, f'nested more than {limits.MAX_JOB_ARGS_DEPTH} levels '
            f'deep') from None


@rule_support.with_database
def list_(project_id: str | None, fmt: str) -> None:
    """Print every rule, or those of one project."""
    _print_rules(list(rule_support.all_rules(project_id)), fmt)


@rule_support.with_database
def show(rule_id: str, fmt: str) -> None:
    """Print one rule with its scheduling state."""
    rule = db_api.get_rule(rule_id)
    if fmt == 'table':
        print(output.table(['Field', 'Value'], list(rule.items())))
    else:
        print(output.dump(rule, fmt))


@rule_support.with_database
def delete(rule_id: str) -> None:
    """Delete a rule and its run history."""
    db_api.delete_rule(rule_id)
    print(f'Deleted rule {rule_id}')


@rule_support.with_database
def pause(rule_id: str) -> None:
    """Stop a rule from firing until it is resumed."""
    if db_api.get_rule(rule_id)['paused']:
        print(f'Rule {rule_id} is already paused')
        return
    db_api.set_rule_paused(rule_id, True, None)
    print(f'Paused rule {rule_id}')


@rule_support.with_database
def resume(rule_id: str) -> None:
    """Let a paused rule fire again, from its next fire time after now.

    Fire times that passed while it was paused are not caught up.
    """
    rule = db_api.get_rule(rule_id)
    if not rule['paused']:
        # Recomputing would move a due, not yet fired time past now.
        print(f'Rule {rule_id} is not paused')
        return
    next_fire_at = spec.trigger_of(rule).next_fire(rule_support.now())
    db_api.set_rule_paused(rule_id, False, next_fire_at)
    if next_fire_at is None:
        print(f'Resumed rule {rule_id}; its trigger will not fire again')
    else:
        print(f'Resumed rule {rule_id}; next fire at '
              f'{next_fire_at.isoformat()}')


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    common.add_command(subparsers, 'create', create, 'Create a rule.', [
        common.arg('--name', required=True, help='Rule name, unique in '
                   'its project.'),
        common.arg('--project-id', metavar='PROJECT',
                   help='Project (default: default).'),
        common.arg('--description', metavar='TEXT'),
        common.arg('--job-type', required=True, metavar='TYPE',
                   help='Job driver, e.g. noop or sleep.'),
        common.arg('--job-args', metavar='JSON',
                   help='Job arguments as a JSON object.'),
        common.arg('--job-timeout', type=int, metavar='SECONDS',
                   help='Seconds an attempt may take; 0: no limit. '
                   'Default: [executor] job_timeout.'),
        common.arg('--max-attempts', type=int, metavar='COUNT',
                   help='Attempts in all of a run that fails or times '
                   'out. Default: [executor] max_attempts.'),
        common.arg('--retry-delay', type=int, metavar='SECONDS',
                   help='Delay before the first retry, doubled for each '
                   'further one. Default: [executor] retry_delay.'),
        common.arg('--retry-max-delay', type=int, metavar='SECONDS',
                   help='Longest delay before a retry. Default: '
                   '[executor] retry_max_delay.'),
        *rule_support.trigger_args(required=True),
        common.arg('--misfire-policy', metavar='POLICY',
                   help='skip, fire_once (default) or fire_all.'),
        common.arg('--misfire-grace-time', type=int, metavar='SECONDS',
                   help='Default: [scheduler] misfire_grace_time.'),
        common.arg('--spread-window', type=int, metavar='SECONDS',
                   help='Start the runs of rules sharing a fire time '
                   'spread over this window after it, each rule at a '
                   'fixed place. Default: [scheduler] '
                   'default_spread_window.'),
        common.arg('--jitter', type=int, metavar='SECONDS',
                   help='Start each run up to this much later, a delay '
                   'that differs per fire time. Default: [scheduler] '
                   'default_jitter.'),
        common.arg('--overlap', metavar='POLICY',
                   help='When a run is due while the previous one still '
                   'runs: skip, queue_one, allow or cancel_previous. '
                   'Default: [executor] overlap_policy.'),
        common.arg('--concurrency-key', metavar='TEMPLATE',
                   help='Key whose concurrency limit the runs count '
                   'against, e.g. "cloud-{args.cloud}".'),
        common.arg('--max-runs', type=int, metavar='COUNT',
                   help='Runs in all, after which the rule fires no '
                   'more.'),
        common.arg('--paused', action='store_true',
                   help='Create the rule paused.'),
    ])
    common.add_command(subparsers, 'list', list_, 'List rules.', [
        rule_support.PROJECT_ARG,
        rule_support.format_arg(output.FORMATS, 'table')])
    common.add_command(subparsers, 'show', show, 'Show one rule.', [
        rule_support.RULE_ID_ARG,
        rule_support.format_arg(output.FORMATS, 'table')])
    common.add_command(subparsers, 'delete', delete,
                       'Delete a rule and its runs.',
                       [rule_support.RULE_ID_ARG])
    common.add_command(subparsers, 'pause', pause, 'Pause a rule.',
                       [rule_support.RULE_ID_ARG])
    common.add_command(subparsers, 'resume', resume,
                       'Resume a paused rule from now on.',
                       [rule_support.RULE_ID_ARG])
    rule_preview.add_parsers(subparsers)
    rule_runs.add_parsers(subparsers)
    rule_files.add_parsers(subparsers)
