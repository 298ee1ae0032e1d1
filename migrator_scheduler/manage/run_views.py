"""How the ``run`` commands present runs: derived times, columns, input.

Times a run is measured by:

* lag: ``started_at - scheduled_for``, how late its latest attempt
  started after its nominal fire time;
* duration: ``finished_at - started_at``, how long that attempt ran.

Both in seconds, rounded to milliseconds; None until known.
"""

from __future__ import annotations

import collections.abc
import datetime

from migrator_scheduler.db import models
from migrator_scheduler import exception
from migrator_scheduler.manage import output
from migrator_scheduler.rules import fields

MAX_LIMIT = 10000
MAX_BATCH_SIZE = 10000

LIST_COLUMNS = (('ID', 'id'), ('Rule', 'rule_name'),
                ('Nominal time (UTC)', 'scheduled_for'), ('State', 'state'),
                ('Reason', 'reason'), ('Attempt', 'attempt'),
                ('Executor', 'executor_host'), ('Lag (s)', 'lag'),
                ('Duration (s)', 'duration'))
ATTEMPT_COLUMNS = (('Attempt', 'attempt'), ('State', 'state'),
                   ('Executor', 'executor_host'), ('Started', 'started_at'),
                   ('Finished', 'finished_at'), ('Error', 'error'))


def _seconds(start: datetime.datetime | None,
             end: datetime.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds(), 3)


def with_timings(run: dict) -> dict:
    """Return ``run`` with its ``lag`` and ``duration`` added."""
    return {**run, 'lag': _seconds(run['scheduled_for'], run['started_at']),
            'duration': _seconds(run['started_at'], run['finished_at'])}


def attempts(run: dict, earlier: list[dict]) -> list[dict]:
    """Return every attempt of ``run``, the earlier ones then its own."""
    keys = [key for _, key in ATTEMPT_COLUMNS]
    return [{key: item.get(key) for key in keys}
            for item in [*earlier, run]]


def _cell(key: str, value):
    if key in ('lag', 'duration') and value is not None:
        return f'{value:.3f}'
    return value


def table(columns, items: list[dict]) -> str:
    """Return ``items`` as a table of ``columns`` ((title, key) pairs)."""
    return output.table([title for title, _ in columns],
                        [[_cell(key, item.get(key)) for _, key in columns]
                         for item in items])


def fields_table(run: dict) -> str:
    """Return every field of one run, one per line."""
    return output.table(['Field', 'Value'], [
        [key, _cell(key, value)] for key, value in run.items()])


def states(given: collections.abc.Iterable[str] | None, option: str,
           allowed: collections.abc.Sequence[str] = models.RUN_STATES
           ) -> set[str] | None:
    """Read ``--state`` values (repeated, or comma-separated lists)."""
    if not given:
        return None
    chosen = {part.strip() for value in given for part in value.split(',')
              if part.strip()}
    for state in sorted(chosen):
        if state not in models.RUN_STATES:
            raise exception.InvalidInput(
                option, f'{state!r} is not a run state; expected one of: '
                f'{", ".join(models.RUN_STATES)}')
        if state not in allowed:
            raise exception.InvalidInput(
                option, f'{state} runs are never purged; expected one of: '
                f'{", ".join(allowed)}')
    return chosen or None


def time_arg(value: str | None, option: str) -> datetime.datetime | None:
    """Read an ISO 8601 time with a UTC offset (``--since``, ...)."""
    return None if value is None else fields.timestamp(value, option)


def bounded(value: int, option: str, maximum: int) -> int:
    """Check a count given on the command line."""
    if not 1 <= value <= maximum:
        raise exception.InvalidInput(option, f'must be from 1 to {maximum}')
    return value


def days(value: str) -> datetime.timedelta:
    """Read ``--older-than``: a number of days, fractions allowed."""
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number <= 36500:
        raise exception.InvalidInput(
            '--older-than', f'{value!r} is not a number of days from 0 to '
            f'36500 (e.g. 30, or 0.5 for 12 hours)')
    return datetime.timedelta(days=number)
