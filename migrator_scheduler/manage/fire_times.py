"""Showing the fire times of the rules an operator writes.

Every rule created or imported gets its next fire times shown (on
standard error, beside the command's result), so that a schedule which is
valid but not what was meant is seen before it fires.
"""

import collections
import datetime

from migrator_scheduler.manage import rule_support
from migrator_scheduler.rules import spec
from migrator_scheduler.triggers import advice
from migrator_scheduler.triggers import preview
from migrator_scheduler.triggers import spread as spread_mod

CREATE_COUNT = 5
IMPORT_COUNT = 3
MAX_SCHEDULES_SHOWN = 20


def describe_trigger(kind: str, expression: str, timezone: str,
                     start_at: datetime.datetime | None = None,
                     end_at: datetime.datetime | None = None) -> str:
    """Return a trigger in words, e.g. ``cron '0 2 * * *' in UTC``."""
    text = f'{kind} {expression!r} in {timezone}'
    if start_at is not None:
        text += f' from {start_at.isoformat()}'
    if end_at is not None:
        text += f' until {end_at.isoformat()}'
    return text


def line(fire: preview.FireTime) -> str:
    """Return one fire time in the trigger's zone and in UTC, and when
    its run starts if that is later."""
    text = (f'{fire.local.isoformat(sep=" ")}  =  '
            f'{fire.utc.isoformat(sep=" ")}')
    if fire.start is not None:
        text += f'  {starts(fire)}'
    return f'{text}  ({fire.note})' if fire.note else text


def starts(fire: preview.FireTime) -> str:
    """Return when the run of a spread fire time starts, e.g.
    ``→ starts 02:13:07 (spread +787s)`` (with the date when it is
    another day), in the trigger's time zone."""
    start = fire.start.replace(microsecond=0)
    shown = (f'{start:%H:%M:%S}' if start.date() == fire.local.date()
             else start.isoformat(sep=' '))
    return f'→ starts {shown} (spread +{int(fire.offset.total_seconds())}s)'


def describe_spread(spread: spread_mod.Spread) -> str:
    """Return a rule's spreading in words."""
    parts = []
    if spread.window:
        parts.append(f'spread over {spread.window}s')
    if spread.jitter:
        parts.append(f'up to {spread.jitter}s jitter')
    return ' + '.join(parts)


def show_created(values: dict, now: datetime.datetime) -> None:
    """Show the next fire times of a rule just created, and warnings."""
    _warn(values['trigger_kind'], values['trigger_expr'], '')
    trigger = spec.trigger_of(values)
    spread = spec.spread_of(values, rule_support.default_spread())
    _warn_spread(trigger, spread, now, '')
    fires = preview.preview(trigger, now, CREATE_COUNT, values['id'],
                            spread)
    paused = ' (paused: once resumed)' if values['paused'] else ''
    rule_support.note(f'Next fire times of {describe_rule(values)}'
                      f'{paused}:')
    for fire in fires:
        rule_support.note(f'  {line(fire)}')


def show_imported(rules: list[tuple[str, dict]],
                  now: datetime.datetime) -> None:
    """Summarise the schedules of imported rules, one line each.

    :param rules: ``(where in the file, values)`` of the rules created or
        updated.
    """
    groups = collections.defaultdict(list)
    expressions = collections.defaultdict(list)
    default = rule_support.default_spread()
    for where, values in rules:
        groups[_schedule(values), spec.spread_of(values, default)].append(
            (where, values))
        expressions[values['trigger_kind'], values['trigger_expr']].append(
            where)
    for (kind, expression), places in expressions.items():
        where = places[0]
        if len(places) > 1:
            where += f' and {len(places) - 1} more'
        _warn(kind, expression, f'{where}: ')
    for (_, spread), members in groups.items():
        where, values = members[0]
        if len(members) > 1:
            where += f' and {len(members) - 1} more'
        _warn_spread(spec.trigger_of(values), spread, now, f'{where}: ')
    if not groups:
        return
    rule_support.note(f'Next fire times of the {len(rules)} rules written, '
                      f'by schedule:')
    biggest = sorted(groups.items(), key=lambda item: len(item[1]),
                     reverse=True)
    for (_, spread), members in biggest[:MAX_SCHEDULES_SHOWN]:
        _, values = members[0]
        trigger = spec.trigger_of(values)
        times = ', '.join(
            fire.astimezone(trigger.zone).isoformat(sep=' ')
            for fire in preview.next_fires(trigger, now, IMPORT_COUNT))
        spread_text = f' ({describe_spread(spread)})' if spread else ''
        rule_support.note(f'  {_count(len(members))}: '
                          f'{describe_rule(values)}{spread_text}: '
                          f'{times or "no fire time after now"}')
    rest = biggest[MAX_SCHEDULES_SHOWN:]
    if rest:
        rule_support.note(f'  and {_count(sum(len(m) for _, m in rest))} on '
                          f'{len(rest)} more schedules')


def _schedule(values: dict) -> tuple:
    return (values['trigger_kind'], values['trigger_expr'],
            values['timezone'], values['start_at'], values['end_at'])


def describe_rule(values: dict) -> str:
    """Return the trigger of a rule (or its values) in words."""
    return describe_trigger(*_schedule(values))


def _count(number: int) -> str:
    return f'{number} rule' if number == 1 else f'{number} rules'


def _warn_spread(trigger, spread: spread_mod.Spread,
                 now: datetime.datetime, where: str) -> None:
    warning = advice.spread_overlap(trigger, spread, now)
    if warning:
        rule_support.warn(f'{where}spread: {warning}')


def _warn(kind: str, expression: str, where: str) -> None:
    for warning in advice.warnings_for(kind, expression):
        rule_support.warn(f'{where}trigger.expression: {warning}')
