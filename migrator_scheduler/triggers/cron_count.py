"""Counting the wall-clock times a cron expression matches.

Arithmetic on the parsed value sets, one step per calendar day, so a
backlog of months of every-second fire times is counted without
enumerating it.
"""

import bisect
import datetime

from migrator_scheduler.triggers import cron_syntax

_DAY = datetime.timedelta(days=1)
_SECONDS_PER_DAY = 86400


def count_walls(spec: cron_syntax.CronSpec, start: datetime.datetime,
                end: datetime.datetime) -> int:
    """Count matching naive wall times ``w`` with ``start <= w < end``."""
    if end <= start:
        return 0
    total = 0
    day = start.date()
    last_day = end.date()
    while day <= last_day:
        # isoweekday: Monday 1 .. Sunday 7, and cron's Sunday is 0.
        if spec.matches_day(day.day, day.month, day.isoweekday() % 7):
            low = _ceil_seconds(start) if day == start.date() else 0
            high = (_ceil_seconds(end) if day == last_day
                    else _SECONDS_PER_DAY)
            total += _times_before(spec, high) - _times_before(spec, low)
        day += _DAY
    return total


def matches(spec: cron_syntax.CronSpec, wall: datetime.datetime) -> bool:
    """Tell whether the naive wall time ``wall`` matches exactly."""
    return count_walls(
        spec, wall, wall + datetime.timedelta(microseconds=1)) == 1


def _ceil_seconds(wall: datetime.datetime) -> int:
    """Seconds since midnight of ``wall``, rounded up."""
    seconds = wall.hour * 3600 + wall.minute * 60 + wall.second
    return seconds + (1 if wall.microsecond else 0)


def _times_before(spec: cron_syntax.CronSpec, limit: int) -> int:
    """Count matching times of day strictly before ``limit`` seconds."""
    seconds = spec.seconds if spec.seconds is not None else (0,)
    hour, rest = divmod(limit, 3600)
    minute, second = divmod(rest, 60)
    per_hour = len(spec.minutes) * len(seconds)
    total = bisect.bisect_left(spec.hours, hour) * per_hour
    if hour in spec.hours:
        total += bisect.bisect_left(spec.minutes, minute) * len(seconds)
        if minute in spec.minutes:
            total += bisect.bisect_left(seconds, second)
    return total
