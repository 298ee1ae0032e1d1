"""Warnings about triggers that are valid but probably not what was meant.

A warning is not an error: the rule is stored as written. Callers show
the warnings to whoever wrote the rule (the manage command prints them
on standard error).
"""

import datetime

from migrator_scheduler import exception
from migrator_scheduler.triggers import base
from migrator_scheduler.triggers import cron_syntax
from migrator_scheduler.triggers import spread as spread_mod

FIELD = cron_syntax.FIELD
_SECONDS = tuple(range(60))
# Fire times looked at for the shortest gap between two of them: a year
# of a daily schedule; more frequent ones repeat their pattern sooner.
_GAP_SAMPLES = 400


def warnings_for(kind: str, expression: str) -> list[str]:
    """Return the warnings about a valid trigger, each one sentence."""
    if kind != 'cron':
        return []
    warning = seconds_first(expression)
    return [warning] if warning else []


def seconds_first(expression: str) -> str | None:
    """Warn about a 6-field cron expression read with seconds first.

    Here the sixth field is seconds (croniter's convention); Quartz and
    Spring put seconds first, so their ``0 0 2 * * *`` (02:00 every day)
    reads here as every second of 00:00 on the 2nd of the month. The
    sign is a seconds field that matches all 60 seconds: the rule fires
    every second for at least a whole minute at a time.
    """
    fields = expression.split()
    if len(fields) != 6:
        return None
    try:
        spec = cron_syntax.parse(expression)
    except exception.InvalidTrigger:
        return None
    if spec.seconds != _SECONDS:
        return None
    warning = (f'{expression!r} fires every second for a whole minute at a '
               f'time (the sixth field is seconds, last)')
    meant = _read_seconds_first(fields)
    if meant is None or meant == ' '.join(fields):
        return warning
    return (f'{warning}; if it was meant with seconds first (Quartz, '
            f'Spring), write {meant!r} instead')


def _read_seconds_first(fields: list[str]) -> str | None:
    """Return the expression meant if ``fields`` put seconds first.

    Its last field matches every second, so as a day-of-week it is a
    ``*``.
    """
    second, rest = fields[0], fields[1:5] + ['*']
    candidate = ' '.join(rest if second == '0' else rest + [second])
    try:
        cron_syntax.parse(candidate)
    except exception.InvalidTrigger:
        return None
    return candidate


def shortest_gap(trigger: base.Trigger, after: datetime.datetime,
                 samples: int = _GAP_SAMPLES) -> datetime.timedelta | None:
    """Return the shortest time between two of the next fire times after
    ``after`` (the first ``samples`` of them), None with fewer than two."""
    period = getattr(trigger, 'period', None)
    if period is not None:
        return period
    shortest, previous = None, trigger.next_fire(after)
    for _ in range(samples - 1):
        if previous is None:
            break
        fire = trigger.next_fire(previous)
        if fire is None:
            break
        gap = fire - previous
        shortest = gap if shortest is None else min(shortest, gap)
        previous = fire
    return shortest


def spread_overlap(trigger: base.Trigger, spread: spread_mod.Spread,
                   after: datetime.datetime) -> str | None:
    """Warn when a rule's runs may start after its next fire time.

    A run starts up to ``window + jitter`` after its fire time; when that
    reaches the shortest gap between two fire times, the run of one fire
    time may start after the next fire time, and overlap its run.
    """
    if not spread:
        return None
    gap = shortest_gap(trigger, after)
    if gap is None or spread.longest < gap:
        return None
    return (f'window + jitter ({spread.window}s + {spread.jitter}s) is not '
            f'shorter than the shortest time between two fire times '
            f'({gap.total_seconds():.0f}s): a run may start after the '
            f'next fire time')
