"""Mapping naive wall-clock times of a zone to UTC instants.

A wall-clock time can name one instant, two (it falls in the hour that
is repeated when clocks go back) or none (it falls in the gap skipped
when clocks go forward). :func:`resolve` says which, following PEP 495:
``fold=0`` selects the offset in force before a transition.
"""

import dataclasses
import datetime
import zoneinfo

UTC = datetime.timezone.utc
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = datetime.timedelta(seconds=1)
# How often :func:`transitions` samples the offset: far shorter than the
# months between two DST changes.
_PROBE_STEP = datetime.timedelta(hours=6)


@dataclasses.dataclass(frozen=True)
class Resolution:
    """The instants (aware, UTC) that one wall-clock time denotes.

    ``first`` and ``second`` are None for a time in a gap; they are equal
    unless the time is repeated. ``gap_end`` is the instant the clocks
    jumped forward, set only for a time in a gap.
    """

    first: datetime.datetime | None
    second: datetime.datetime | None
    gap_end: datetime.datetime | None = None

    @property
    def repeated(self) -> bool:
        return self.first is not None and self.first != self.second


def resolve(wall: datetime.datetime, zone: zoneinfo.ZoneInfo) -> Resolution:
    """Resolve the naive wall-clock time ``wall`` in ``zone``."""
    before = wall.replace(tzinfo=zone, fold=0).utcoffset()
    after = wall.replace(tzinfo=zone, fold=1).utcoffset()
    first = (wall - before).replace(tzinfo=UTC)
    if before == after:
        return Resolution(first, first)
    second = (wall - after).replace(tzinfo=UTC)
    if before > after:
        # Clocks went back: the time occurs under both offsets.
        return Resolution(first, second)
    # Clocks went forward past ``wall``: ``second`` lies before the jump
    # and ``first`` after it.
    return Resolution(None, None, find_transition(zone, second, first))


def local_wall(instant: datetime.datetime,
               zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """Return the naive wall-clock time in ``zone`` at ``instant``."""
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def find_transition(zone: zoneinfo.ZoneInfo, low: datetime.datetime,
                    high: datetime.datetime) -> datetime.datetime:
    """Return the first instant in (low, high] at ``high``'s UTC offset.

    ``low`` and ``high`` are aware instants with different offsets in
    ``zone`` and at most one transition between them. tz database
    transitions fall on whole seconds, so a bisection on seconds finds
    the exact instant.
    """
    target = high.astimezone(zone).utcoffset()
    lo = (low - _EPOCH) // _SECOND
    hi = -((_EPOCH - high) // _SECOND)  # ceiling
    while hi - lo > 1:
        mid = (lo + hi) // 2
        instant = _EPOCH + mid * _SECOND
        if instant.astimezone(zone).utcoffset() == target:
            hi = mid
        else:
            lo = mid
    return _EPOCH + hi * _SECOND


def transitions(zone: zoneinfo.ZoneInfo, start: datetime.datetime,
                end: datetime.datetime):
    """Yield ``(instant, offset_before, offset_after)`` for each change of
    UTC offset in (start, end], in order.

    Offsets are sampled every few hours, so two changes closer than
    that which cancel out would not be seen; DST rules never do that.
    """
    offset = start.astimezone(zone).utcoffset()
    probe_from = start
    while probe_from < end:
        probe_to = min(probe_from + _PROBE_STEP, end)
        new_offset = probe_to.astimezone(zone).utcoffset()
        if new_offset == offset:
            probe_from = probe_to
            continue
        instant = find_transition(zone, probe_from, probe_to)
        after = instant.astimezone(zone).utcoffset()
        yield instant, offset, after
        offset, probe_from = after, instant
