"""Cron triggers: wall-clock schedules in the rule's time zone.

Expression syntax is described in
:mod:`migrator_scheduler.triggers.cron_syntax`. Fire times are
wall-clock times in the rule's time zone; across daylight saving time
(DST) changes they follow classic Vixie cron as Debian ships it:

* A job is a **wildcard** job when its minute or its hour field starts
  with ``*`` (``*/15 * * * *``, ``0 * * * *``, ``* 2 * * *``,
  ``0 */2 * * *``, ``@hourly``); any other job is **fixed-time**
  (``30 2 * * *``, ``0,30 1-3 * * *``, ``0 0-23/2 * * *``, ``@daily``).
  Only the first character counts, as in Debian's cron: ``0-59/15`` is
  a fixed list of minutes even though it means the same as ``*/15``.
  The seconds field plays no part in this.
* **Clocks go back** (a wall-clock hour happens twice): a fixed-time job
  fires once, at the FIRST occurrence of its time. A wildcard job fires
  at every real occurrence, i.e. in both passes through the repeated
  hour, as it runs by elapsed time. In Europe/Berlin on 2024-10-27
  (03:00 CEST -> 02:00 CET), ``30 2 * * *`` fires at 00:30 UTC only,
  while ``*/30 * * * *`` fires at 00:00, 00:30, 01:00 and 01:30 UTC.
* **Clocks go forward** (a wall-clock hour is skipped): a fixed-time job
  whose time falls in the gap fires once, at the instant the clocks
  jump. In Europe/Berlin on 2024-03-31 (02:00 CET -> 03:00 CEST),
  ``30 2 * * *`` fires at 03:00 CEST (01:00 UTC). A wildcard job has no
  fire times in the gap: ``0 * * * *`` fires at 01:00 CET then 03:00
  CEST.

croniter handles DST its own way (it fires ``30 2 * * *`` twice when
clocks go back), so it is only used to enumerate naive wall-clock times
that match the expression; this module maps each of them to UTC.
"""

import copy
import datetime
import zoneinfo

import croniter

from migrator_scheduler import exception
from migrator_scheduler.triggers import base
from migrator_scheduler.triggers import cron_count
from migrator_scheduler.triggers import cron_syntax
from migrator_scheduler.triggers import wallclock

FIELD = cron_syntax.FIELD
_PROBE_START = datetime.datetime(2000, 1, 1)
# A wildcard job whose every match falls in a DST gap would otherwise be
# searched forever; this many consecutive gap matches means "no more".
_MAX_GAP_SKIPS = 1000


class CronTrigger(base.Trigger):
    """Fires at the wall-clock times matched by a cron expression."""

    kind = 'cron'

    def __init__(self, expression: str, timezone: str,
                 zone: zoneinfo.ZoneInfo,
                 start_at: datetime.datetime | None = None,
                 end_at: datetime.datetime | None = None) -> None:
        super().__init__(expression, timezone, zone, start_at, end_at)
        self.spec = cron_syntax.parse(expression)
        self._unit = datetime.timedelta(
            seconds=1 if self.spec.seconds is not None else 60)
        try:
            # Building a croniter costs far more than copying one, so
            # each search copies this never-advanced prototype.
            self._prototype = croniter.croniter(
                self.spec.croniter_expression(), _PROBE_START)
        except croniter.CroniterError as exc:
            raise exception.InvalidTrigger(
                FIELD, f'{expression!r} is not supported: {exc}') from None
        if next(self._walls(_PROBE_START, inclusive=True), None) is None:
            raise exception.InvalidTrigger(
                FIELD, f'never fires: no date matches {expression!r}')

    def _next_after(self, after: datetime.datetime,
                    until: datetime.datetime | None
                    ) -> datetime.datetime | None:
        local = after.astimezone(self.zone)
        # The wall time of ``after`` itself denotes ``after`` (or an
        # earlier instant), never a later one.
        start, inclusive = local.replace(tzinfo=None, fold=0), False
        first_offset = local.replace(fold=0).utcoffset()
        second_offset = local.replace(fold=1).utcoffset()
        candidates = []
        if first_offset > second_offset:
            # ``after`` is inside a repeated hour; ``jump`` is the
            # instant the clocks went (or will go) back.
            repeat = first_offset - second_offset
            if local.fold:
                jump = wallclock.find_transition(
                    self.zone, after - repeat, after)
                # First occurrences of the rest of the repeated hour are
                # already past: look from its end.
                start, inclusive = _wall(jump, first_offset), True
            else:
                jump = wallclock.find_transition(
                    self.zone, after, after + repeat)
            if not self.spec.fixed_time:
                candidates.append(self._second_occurrence(
                    after, jump, first_offset, second_offset))
        candidates.append(
            self._first_occurrence(after, start, inclusive, until))
        return min((c for c in candidates if c is not None), default=None)

    def _first_occurrence(self, after: datetime.datetime,
                          start: datetime.datetime, inclusive: bool,
                          until: datetime.datetime | None
                          ) -> datetime.datetime | None:
        """First fire > ``after`` from wall times after ``start`` (or at
        it, if ``inclusive``).

        Considers only the first occurrence of repeated wall times, whose
        UTC instants grow with the wall time, so the first hit is the
        earliest.
        """
        walls = self._walls(start, inclusive)
        for _ in range(_MAX_GAP_SKIPS):
            for wall in walls:
                resolved = wallclock.resolve(wall, self.zone)
                if resolved.gap_end is not None:
                    if not self.spec.fixed_time:
                        # Wildcard jobs skip the gap: resume after it.
                        walls = self._walls(
                            wallclock.local_wall(resolved.gap_end,
                                                 self.zone),
                            inclusive=True)
                        break
                    instant = resolved.gap_end
                else:
                    instant = resolved.first
                if until is not None and instant > until:
                    return None
                if instant > after:
                    return instant
            else:
                return None
        return None

    def _second_occurrence(self, after: datetime.datetime,
                           jump: datetime.datetime,
                           first_offset: datetime.timedelta,
                           second_offset: datetime.timedelta
                           ) -> datetime.datetime | None:
        """First second-pass fire > ``after`` in the hour repeated at
        ``jump``, for wildcard jobs."""
        repeat_start = _wall(jump, second_offset)
        repeat_end = _wall(jump, first_offset)
        # A wall time w recurs at w - second_offset, which is > after
        # exactly when w is later than this:
        floor = _wall(after, second_offset)
        if floor < repeat_start:
            wall = next(self._walls(repeat_start, inclusive=True), None)
        else:
            wall = next(self._walls(floor, inclusive=False), None)
        if wall is None or wall >= repeat_end:
            return None
        return (wall - second_offset).replace(tzinfo=base.UTC)

    def _count(self, start: datetime.datetime,
               end: datetime.datetime) -> int:
        """Count fire times in [start, end) without enumerating them.

        Between two offset changes, fire times and matching wall times
        correspond one to one, except that fixed-time jobs skip the
        second pass through a repeated hour and fire once for a gap.
        """
        local = start.astimezone(self.zone)
        offset = local.utcoffset()
        repeat_end = None
        if local.fold:
            first_offset = local.replace(fold=0).utcoffset()
            jump = wallclock.find_transition(
                self.zone, start - (first_offset - offset), start)
            repeat_end = _wall(jump, first_offset)
        total = 0
        segment_start = start
        for jump, before, after in wallclock.transitions(
                self.zone, start - base.EPSILON, end):
            if jump >= end:
                break
            total += self._count_segment(segment_start, jump, offset,
                                         repeat_end)
            repeat_end = _wall(jump, before) if after < before else None
            if after > before and self.spec.fixed_time and self._gap_fires(
                    jump, before, after):
                total += 1
            segment_start, offset = jump, after
        return total + self._count_segment(segment_start, end, offset,
                                           repeat_end)

    def _gap_fires(self, jump: datetime.datetime,
                   before: datetime.timedelta,
                   after: datetime.timedelta) -> bool:
        """Tell whether a fixed-time job fires at ``jump`` for matches in
        the gap it opens, beyond a match at the gap's end."""
        gap_end = _wall(jump, after)
        return (not cron_count.matches(self.spec, gap_end)
                and cron_count.count_walls(
                    self.spec, _wall(jump, before), gap_end) > 0)

    def _count_segment(self, start: datetime.datetime,
                       end: datetime.datetime, offset: datetime.timedelta,
                       repeat_end: datetime.datetime | None) -> int:
        """Count fire times in [start, end), all at UTC ``offset``.

        Wall times before ``repeat_end`` are second occurrences.
        """
        first, last = _wall(start, offset), _wall(end, offset)
        count = cron_count.count_walls(self.spec, first, last)
        if self.spec.fixed_time and repeat_end is not None:
            count -= cron_count.count_walls(
                self.spec, first, min(repeat_end, last))
        return count

    def _walls(self, start: datetime.datetime, inclusive: bool):
        """Yield matching naive wall times >= (or >) ``start``, in order.

        croniter returns times strictly after the one it is given, and
        reads it through a float timestamp, so it is given a whole
        multiple of the expression's resolution.
        """
        try:
            floor = start.replace(microsecond=0)
            if self.spec.seconds is None:
                floor = floor.replace(second=0)
            if inclusive and floor == start:
                floor -= self._unit
            cron = copy.copy(self._prototype)
            cron.set_current(floor, force=True)
            while True:
                yield cron.get_next(datetime.datetime)
        except (croniter.CroniterBadDateError, OverflowError, ValueError):
            # No match within croniter's horizon (50 years), or past the
            # range of datetime.
            return


def _wall(instant: datetime.datetime,
          offset: datetime.timedelta) -> datetime.datetime:
    """The naive wall time of ``instant`` under a UTC ``offset``."""
    return (instant + offset).replace(tzinfo=None)
