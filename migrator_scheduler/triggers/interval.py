"""Interval triggers: a fixed period of elapsed time.

The expression is a whole number of seconds (``"300"``) or a number with
a unit suffix ``s``, ``m``, ``h`` or ``d`` (``"5m"``, ``"2h"``,
``"1d"``), from 1 second to 366 days. Fire times lie on a grid
``anchor + k * period``, the anchor being ``start_at`` if given, else
the Unix epoch, so every scheduler computes the same times. Days are
86400 s of elapsed time, not calendar days: DST changes do not move the
grid, and the time zone is only validated.
"""

import datetime
import re
import zoneinfo

from migrator_scheduler import exception
from migrator_scheduler.triggers import base

FIELD = 'trigger.expression'
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=base.UTC)
MIN_PERIOD = datetime.timedelta(seconds=1)
MAX_PERIOD = datetime.timedelta(days=366)

_UNITS = {'': 1, 's': 1, 'm': 60, 'h': 3600, 'd': 86400}
_SYNTAX = re.compile(r'([0-9]{1,12})([smhd]?)', re.IGNORECASE)


def parse_period(expression: str) -> datetime.timedelta:
    """Parse an interval expression such as ``"300"`` or ``"5m"``.

    :raises InvalidTrigger: on ``trigger.expression``.
    """
    match = _SYNTAX.fullmatch(expression.strip()) if isinstance(
        expression, str) else None
    if not match:
        raise exception.InvalidTrigger(
            FIELD, f'{expression!r} is not an interval; expected a whole '
            f'number of seconds, optionally with a unit s, m, h or d '
            f'(e.g. "300", "5m", "2h", "1d")')
    number, unit = match.groups()
    seconds = int(number) * _UNITS[unit.lower()]
    if seconds < MIN_PERIOD.total_seconds():
        raise exception.InvalidTrigger(
            FIELD, f'interval {expression!r} must be at least 1 second')
    if seconds > MAX_PERIOD.total_seconds():
        raise exception.InvalidTrigger(
            FIELD, f'interval {expression!r} is longer than 366 days')
    return datetime.timedelta(seconds=seconds)


class IntervalTrigger(base.Trigger):
    """Fires every ``period`` on the grid ``anchor + k * period``."""

    kind = 'interval'

    def __init__(self, expression: str, timezone: str,
                 zone: zoneinfo.ZoneInfo,
                 start_at: datetime.datetime | None = None,
                 end_at: datetime.datetime | None = None) -> None:
        super().__init__(expression, timezone, zone, start_at, end_at)
        self.period = parse_period(expression)
        self.anchor = start_at if start_at is not None else EPOCH

    def _next_after(self, after: datetime.datetime,
                    until: datetime.datetime | None
                    ) -> datetime.datetime | None:
        # timedelta // timedelta floors, so this also holds before the
        # anchor (possible only with the epoch anchor).
        steps = (after - self.anchor) // self.period + 1
        return self.anchor + steps * self.period

    def _count(self, start: datetime.datetime,
               end: datetime.datetime) -> int:
        # Grid indexes of the first fire >= start and the first >= end.
        first = -((self.anchor - start) // self.period)
        stop = -((self.anchor - end) // self.period)
        return max(stop - first, 0)
