"""``migrator-scheduler-manage rule``: create, inspect and move rules."""

import argparse
import datetime
import functools
import json
import sys

from migrator_scheduler.conf import CONF
from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import migration
from migrator_scheduler import exception
from migrator_scheduler.manage import common
from migrator_scheduler.manage import output
from migrator_scheduler.rules import drivers
from migrator_scheduler.rules import io as rules_io
from migrator_scheduler.rules import limits
from migrator_scheduler.rules import spec
from migrator_scheduler import triggers

HELP = 'Create, inspect, import and export rules.'

_PAGE = 1000
_TABLE_COLUMNS = (('ID', 'id'), ('Project', 'project_id'), ('Name', 'name'),
                  ('Job', 'job_type'), ('Kind', 'trigger_kind'),
                  ('Expression', 'trigger_expr'), ('Timezone', 'timezone'),
                  ('Paused', 'paused'), ('Next fire (UTC)', 'next_fire_at'))
_MAX_NAMES_SHOWN = 10


def _with_database(func):
    """Check the schema and bucket count before a rule command."""
    @functools.wraps(func)
    def wrapper(**kwargs):
        current, head = migration.version(), migration.head()
        if current != head:
            raise exception.ConfigurationError(
                f'the database schema is at revision {current or "none"}, '
                f'this code needs {head}; run '
                f'"migrator-scheduler-manage db sync"')
        # Refuses a changed [scheduler] num_buckets before any rule is
        # written with buckets computed from it.
        db_api.ensure_num_buckets(CONF.scheduler.num_buckets)
        return func(**kwargs)
    return wrapper


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _defaults() -> spec.RuleDefaults:
    return spec.RuleDefaults(num_buckets=CONF.scheduler.num_buckets,
                             job_types=drivers.installed_job_types())


def _all_rules(project_id: str | None = None):
    marker = None
    while True:
        page = db_api.list_rules(project_id, limit=_PAGE, marker=marker)
        yield from page
        if len(page) < _PAGE:
            return
        marker = page[-1]['id']


def _print_rules(rules: list[dict], fmt: str) -> None:
    if fmt == 'table':
        print(output.table([title for title, _ in _TABLE_COLUMNS],
                           [[rule[key] for _, key in _TABLE_COLUMNS]
                            for rule in rules]))
    else:
        print(output.dump(rules, fmt))


@_with_database
def create(name: str, job_type: str, job_args: str | None,
           trigger_kind: str, expression: str, timezone: str,
           start_at: str | None, end_at: str | None,
           project_id: str | None, description: str | None,
           misfire_policy: str | None, misfire_grace_time: int | None,
           paused: bool) -> None:
    """Create one rule and print its id."""
    document = {
        'name': name, 'project_id': project_id, 'description': description,
        'job': {'type': job_type, 'args': _json_arg(job_args, 'job.args')},
        'trigger': {'kind': trigger_kind, 'expression': expression,
                    'timezone': timezone, 'start_at': start_at,
                    'end_at': end_at},
        'misfire_policy': misfire_policy,
        'misfire_grace_time': misfire_grace_time, 'paused': paused,
    }
    # Options not given are None, which a document reads as "default".
    values = spec.validate_rule(document, _defaults(), _now())
    try:
        db_api.find_rule(values['project_id'], values['name'])
    except exception.RuleNotFound:
        pass
    else:
        raise exception.Conflict(
            f'rule {values["project_id"]}/{values["name"]} already exists')
    [rule_id] = db_api.create_rules([values])
    print(rule_id)


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


@_with_database
def list_(project_id: str | None, fmt: str) -> None:
    """Print every rule, or those of one project."""
    _print_rules(list(_all_rules(project_id)), fmt)


@_with_database
def show(rule_id: str, fmt: str) -> None:
    """Print one rule with its scheduling state."""
    rule = db_api.get_rule(rule_id)
    if fmt == 'table':
        print(output.table(['Field', 'Value'], list(rule.items())))
    else:
        print(output.dump(rule, fmt))


@_with_database
def delete(rule_id: str) -> None:
    """Delete a rule and its run history."""
    db_api.delete_rule(rule_id)
    print(f'Deleted rule {rule_id}')


@_with_database
def pause(rule_id: str) -> None:
    """Stop a rule from firing until it is resumed."""
    if db_api.get_rule(rule_id)['paused']:
        print(f'Rule {rule_id} is already paused')
        return
    db_api.set_rule_paused(rule_id, True, None)
    print(f'Paused rule {rule_id}')


@_with_database
def resume(rule_id: str) -> None:
    """Let a paused rule fire again, from its next fire time after now.

    Fire times that passed while it was paused are not caught up.
    """
    rule = db_api.get_rule(rule_id)
    if not rule['paused']:
        # Recomputing would move a due, not yet fired time past now.
        print(f'Rule {rule_id} is not paused')
        return
    trigger = triggers.build_trigger(
        rule['trigger_kind'], rule['trigger_expr'], rule['timezone'],
        start_at=rule['start_at'], end_at=rule['end_at'])
    next_fire_at = trigger.next_fire(_now())
    db_api.set_rule_paused(rule_id, False, next_fire_at)
    if next_fire_at is None:
        print(f'Resumed rule {rule_id}; its trigger will not fire again')
    else:
        print(f'Resumed rule {rule_id}; next fire at '
              f'{next_fire_at.isoformat()}')


@_with_database
def import_(path: str, replace: bool, fmt: str | None) -> None:
    """Create (or with ``replace`` update) the rules of a file.

    Every rule is validated first and all are written in one transaction:
    a file with any error changes nothing.
    """
    rules = rules_io.load_rules_file(path, _defaults(), _now(), fmt)
    existing = _existing(rules)
    if not replace:
        _refuse_existing(existing)
        db_api.create_rules(rules)
        print(f'Imported {len(rules)} rules')
        return
    # Rewriting an unchanged rule would move its next fire time and bump
    # its version for nothing: re-importing a file is a no-op for them.
    created, updated = [], []
    for rule in rules:
        old = existing.get((rule['project_id'], rule['name']))
        if old is None:
            created.append(rule)
        elif not spec.same_definition(rule, old):
            updated.append(rule)
    db_api.create_rules(created + updated, replace=True)
    print(f'Imported {len(rules)} rules: {len(created)} created, '
          f'{len(updated)} updated, '
          f'{len(rules) - len(created) - len(updated)} unchanged')


def _existing(rules: list[dict]) -> dict[tuple[str, str], dict]:
    """Return the stored rules named like ``rules``, by (project, name)."""
    wanted = {(rule['project_id'], rule['name']) for rule in rules}
    found = {}
    for project_id in sorted({project for project, _ in wanted}):
        for row in _all_rules(project_id):
            key = (row['project_id'], row['name'])
            if key in wanted:
                found[key] = row
    return found


def _refuse_existing(existing: dict) -> None:
    """Fail, naming the rules of ``existing``, unless there are none."""
    if not existing:
        return
    names = [f'{project}/{name}' for project, name in sorted(existing)]
    shown = ', '.join(names[:_MAX_NAMES_SHOWN])
    if len(names) > _MAX_NAMES_SHOWN:
        shown += f' and {len(names) - _MAX_NAMES_SHOWN} more'
    raise exception.Conflict(
        f'rules already exist: {shown}; nothing was imported (use '
        f'--replace to update them)')


@_with_database
def export(project_id: str | None, fmt: str, output_path: str | None):
    """Write rules as a rule file, to stdout or ``output_path``."""
    rules = sorted(_all_rules(project_id),
                   key=lambda rule: (rule['project_id'], rule['name']))
    text = rules_io.dump_rules(
        [spec.rule_to_document(rule) for rule in rules], fmt)
    if output_path is None or output_path == '-':
        sys.stdout.write(text)
        return
    with open(output_path, 'w', encoding='utf-8') as stream:
        stream.write(text)
    print(f'Exported {len(rules)} rules to {output_path}')


def _format_arg(choices: tuple[str, ...], default: str) -> common.Arg:
    return common.arg('--format', dest='fmt', choices=choices,
                      default=default,
                      help=f'Output format (default: {default}).')


_RULE_ID = common.arg('rule_id', metavar='ID', help='Id of the rule.')
_PROJECT = common.arg('--project-id', help='Only rules of this project.')


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    common.add_command(subparsers, 'create', create, 'Create a rule.', [
        common.arg('--name', required=True, help='Rule name, unique in '
                   'its project.'),
        common.arg('--project-id', help='Project (default: default).'),
        common.arg('--description'),
        common.arg('--job-type', required=True,
                   help='Job driver, e.g. noop or sleep.'),
        common.arg('--job-args', metavar='JSON',
                   help='Job arguments as a JSON object.'),
        common.arg('--trigger-kind', required=True,
                   help=f'One of: {", ".join(triggers.TRIGGER_KINDS)}.'),
        common.arg('--expression', required=True,
                   help='Cron expression, interval (e.g. 30s, 5m) or '
                   'one-shot date-time, depending on the kind.'),
        common.arg('--timezone', help='IANA time zone (default: UTC).'),
        common.arg('--start-at', metavar='ISO8601',
                   help='No fire time before this; needs a UTC offset.'),
        common.arg('--end-at', metavar='ISO8601',
                   help='No fire time after this; needs a UTC offset.'),
        common.arg('--misfire-policy',
                   help='skip, fire_once (default) or fire_all.'),
        common.arg('--misfire-grace-time', type=int, metavar='SECONDS',
                   help='Default: [scheduler] misfire_grace_time.'),
        common.arg('--paused', action='store_true',
                   help='Create the rule paused.'),
    ])
    common.add_command(subparsers, 'list', list_, 'List rules.', [
        _PROJECT, _format_arg(output.FORMATS, 'table')])
    common.add_command(subparsers, 'show', show, 'Show one rule.', [
        _RULE_ID, _format_arg(output.FORMATS, 'table')])
    common.add_command(subparsers, 'delete', delete,
                       'Delete a rule and its runs.', [_RULE_ID])
    common.add_command(subparsers, 'pause', pause, 'Pause a rule.',
                       [_RULE_ID])
    common.add_command(subparsers, 'resume', resume,
                       'Resume a paused rule from now on.', [_RULE_ID])
    common.add_command(
        subparsers, 'import', import_,
        'Create the rules of a YAML or JSON file, all or none.', [
            common.arg('path', metavar='FILE',
                       help='Rule file; - reads stdin (needs --format).'),
            common.arg('--replace', action='store_true',
                       help='Update rules whose project and name exist.'),
            common.arg('--format', dest='fmt', choices=rules_io.FORMATS,
                       help='File format (default: from the file name).'),
        ])
    common.add_command(
        subparsers, 'export', export, 'Write rules as a rule file.', [
            _PROJECT, _format_arg(rules_io.FORMATS, 'yaml'),
            common.arg('--output', dest='output_path', metavar='FILE',
                       help='Write to FILE instead of stdout.'),
        ])
