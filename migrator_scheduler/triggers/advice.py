"""Warnings about triggers that are valid but probably not what was meant.

A warning is not an error: the rule is stored as written. Callers show
the warnings to whoever wrote the rule (the manage command prints them
on standard error).
"""

from migrator_scheduler import exception
from migrator_scheduler.triggers import cron_syntax

FIELD = cron_syntax.FIELD
_SECONDS = tuple(range(60))


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
