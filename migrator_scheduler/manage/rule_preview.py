"""``rule preview``: the next fire times of a rule or of a trigger."""

import argparse

from migrator_scheduler.db import api as db_api
from migrator_scheduler import exception
from migrator_scheduler.manage import common
from migrator_scheduler.manage import fire_times
from migrator_scheduler.manage import output
from migrator_scheduler.manage import rule_support
from migrator_scheduler.rules import fields
from migrator_scheduler.rules import spec
from migrator_scheduler import triggers
from migrator_scheduler.triggers import advice
from migrator_scheduler.triggers import preview
from migrator_scheduler.triggers import spread as spread_mod
from migrator_scheduler.triggers import zones

DEFAULT_COUNT = 10
_TRIGGER_OPTIONS = ('trigger_kind', 'expression', 'timezone', 'start_at',
                    'end_at')


def preview_command(rule_id: str | None, count: int, after: str | None,
                    fmt: str, **trigger: str | None) -> None:
    """Print the next fire times of a stored rule or of a trigger."""
    given = [name for name in _TRIGGER_OPTIONS if trigger[name] is not None]
    if rule_id is not None and given:
        raise exception.InvalidInput(
            '--' + given[0].replace('_', '-'),
            'give either a rule id or a trigger, not both')
    if not 1 <= count <= preview.MAX_COUNT:
        raise exception.InvalidInput(
            '--count', f'must be from 1 to {preview.MAX_COUNT}')
    start = (rule_support.now() if after is None
             else fields.timestamp(after, '--after'))
    spread = spread_mod.Spread()
    if rule_id is not None:
        built, title, spread = _stored(rule_id)
    else:
        built, title = _given(**trigger)
    for warning in advice.warnings_for(built.kind, built.expression):
        rule_support.warn(f'trigger.expression: {warning}')
    overlap = advice.spread_overlap(built, spread, start)
    if overlap:
        rule_support.warn(f'spread: {overlap}')
    _print(built, title, preview.preview(built, start, count, rule_id,
                                         spread), fmt)


def _stored(rule_id: str
            ) -> tuple[triggers.Trigger, str, spread_mod.Spread]:
    rule = _get_rule(rule_id)
    spread = spec.spread_of(rule, rule_support.default_spread())
    title = (f'Rule {rule["project_id"]}/{rule["name"]}'
             f'{" (paused)" if rule["paused"] else ""}: '
             f'{fire_times.describe_rule(rule)}')
    if spread:
        title += f', {fire_times.describe_spread(spread)}'
    return spec.trigger_of(rule), title, spread


@rule_support.with_database
def _get_rule(rule_id: str) -> dict:
    return db_api.get_rule(rule_id)


def _given(trigger_kind: str | None, expression: str | None,
           timezone: str | None, start_at: str | None,
           end_at: str | None) -> tuple[triggers.Trigger, str]:
    for name, value in (('--trigger-kind', trigger_kind),
                        ('--expression', expression)):
        if value is None:
            raise exception.InvalidInput(
                name, 'is required when no rule id is given')
    start = None if start_at is None else fields.timestamp(
        start_at, 'trigger.start_at')
    end = None if end_at is None else fields.timestamp(
        end_at, 'trigger.end_at')
    built = triggers.build_trigger(trigger_kind, expression,
                                   timezone or spec.DEFAULT_TIMEZONE,
                                   start_at=start, end_at=end)
    return built, fire_times.describe_trigger(
        built.kind, built.expression, built.timezone, start, end)


def _print(trigger: triggers.Trigger, title: str,
           fires: list[preview.FireTime], fmt: str) -> None:
    if fmt != 'table':
        print(output.dump({
            'trigger': title, 'tz_database': zones.tz_version(),
            'fire_times': [_fire_data(f) for f in fires]}, fmt))
        return
    print(f'{title} (tz database {zones.tz_version()})')
    if not fires:
        print('No fire time after the start of the preview.')
        return
    spread = any(f.start is not None for f in fires)
    print(output.table(
        ['#', trigger.timezone, 'UTC', *(['Start'] if spread else []),
         'Note'],
        [[number, f.local.isoformat(sep=' '), f.utc.isoformat(sep=' '),
          *([fire_times.starts(f).removeprefix('→ ')] if spread else []),
          f.note] for number, f in enumerate(fires, 1)]))


def _fire_data(fire: preview.FireTime) -> dict:
    data = {'utc': fire.utc, 'local': fire.local, 'note': fire.note}
    if fire.start is not None:
        data['start'] = fire.start
        data['spread_seconds'] = fire.offset.total_seconds()
    return data


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    common.add_command(
        subparsers, 'preview', preview_command,
        'Show the next fire times of a rule, or of a trigger given with '
        'the trigger options, in its time zone and in UTC, with the '
        'daylight saving time changes on the way, and for a rule with '
        'spreading when each run starts.', [
            common.arg('rule_id', metavar='ID', nargs='?',
                       help='Id of a stored rule.'),
            *rule_support.trigger_args(required=False),
            common.arg('--count', type=int, default=DEFAULT_COUNT,
                       metavar='N', help=f'How many fire times (default: '
                       f'{DEFAULT_COUNT}, at most {preview.MAX_COUNT}).'),
            common.arg('--after', metavar='ISO8601',
                       help='Start from this time instead of now; needs a '
                       'UTC offset.'),
            rule_support.format_arg(output.FORMATS, 'table'),
        ])
