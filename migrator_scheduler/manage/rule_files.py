"""``rule import`` and ``rule export``: rules to and from rule files."""

import argparse
import datetime
import sys

from migrator_scheduler.db import api as db_api
from migrator_scheduler import exception
from migrator_scheduler.manage import common
from migrator_scheduler.manage import fire_times
from migrator_scheduler.manage import rule_support
from migrator_scheduler.rules import io as rules_io
from migrator_scheduler.rules import spec

_MAX_NAMES_SHOWN = 10


@rule_support.with_database
def import_(path: str, replace: bool, fmt: str | None) -> None:
    """Create (or with ``replace`` update) the rules of a file.

    Every rule is validated first and all are written in one transaction:
    a file with any error changes nothing. A rule that can never fire
    again (a one-shot time that has passed...) is refused, unless it is
    identical to the stored rule it replaces: a file exported after such
    a rule fired imports again unchanged.
    """
    now = rule_support.now()
    loaded = rules_io.load_rules_file(path, rule_support.defaults(), now,
                                      fmt, allow_exhausted=True)
    existing = _existing([rule.values for rule in loaded])
    if not replace:
        _refuse_existing(existing)
    # Rules to write, in file order, and whether each is new.
    writes = []
    for rule in loaded:
        old = existing.get(_key(rule.values))
        if old is None or not spec.same_definition(rule.values, old):
            writes.append((rule, old is None))
    _refuse_problems(writes, now, rules_io.source_name(path))
    db_api.create_rules([rule.values for rule, _ in writes],
                        replace=replace)
    created = sum(1 for _, new in writes if new)
    if replace:
        print(f'Imported {len(loaded)} rules: {created} created, '
              f'{len(writes) - created} updated, '
              f'{len(loaded) - len(writes)} unchanged')
    else:
        print(f'Imported {len(loaded)} rules')
    fire_times.show_imported(
        [(rule.where, rule.values) for rule, _ in writes], now)


def _key(values: dict) -> tuple[str, str]:
    return values['project_id'], values['name']


def _existing(rules: list[dict]) -> dict[tuple[str, str], dict]:
    """Return the stored rules named like ``rules``, by (project, name)."""
    wanted = {_key(rule) for rule in rules}
    found = {}
    for project_id in sorted({project for project, _ in wanted}):
        for row in rule_support.all_rules(project_id):
            if _key(row) in wanted:
                found[_key(row)] = row
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


def _refuse_problems(writes: list[tuple[rules_io.LoadedRule, bool]],
                     now: datetime.datetime, source: str) -> None:
    """Fail, naming each item, if a rule to write cannot be written.

    :param writes: ``(rule, is it new?)`` in file order.
    """
    taken = db_api.rule_names([rule.values['id'] for rule, new in writes
                               if new])
    problems = []
    for rule, new in writes:
        owner = taken.get(rule.values['id']) if new else None
        if owner is not None:
            problems.append(
                f'{rule.where}: id: {rule.values["id"]} is already the id '
                f'of rule {owner[0]}/{owner[1]}')
        error = spec.exhausted_error(rule.values, now)
        if error is not None:
            problems.append(f'{rule.where}: {error}')
    if problems:
        raise rules_io.file_error(problems, source)


@rule_support.with_database
def export(project_id: str | None, fmt: str, output_path: str | None):
    """Write rules as a rule file, to stdout or ``output_path``."""
    rules = sorted(rule_support.all_rules(project_id), key=_key)
    text = rules_io.dump_rules(
        [spec.rule_to_document(rule) for rule in rules], fmt)
    if output_path is None or output_path == '-':
        sys.stdout.write(text)
        return
    with open(output_path, 'w', encoding='utf-8') as stream:
        stream.write(text)
    print(f'Exported {len(rules)} rules to {output_path}')


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
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
            rule_support.PROJECT_ARG,
            rule_support.format_arg(rules_io.FORMATS, 'yaml'),
            common.arg('--output', dest='output_path', metavar='FILE',
                       help='Write to FILE instead of stdout.'),
        ])
