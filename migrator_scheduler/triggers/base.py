"""The interface every trigger implements."""

import abc
import datetime
import zoneinfo

from migrator_scheduler import exception
from migrator_scheduler.triggers import zones

UTC = datetime.timezone.utc
# The smallest step datetime can represent: "at or after t" is
# "strictly after t - EPSILON".
EPSILON = datetime.timedelta(microseconds=1)


def as_utc(value: datetime.datetime, name: str) -> datetime.datetime:
    """Return the aware datetime ``value`` converted to UTC.

    :raises ValueError: if ``value`` is naive (a programming error).
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f'{name} must be a timezone-aware datetime, got '
                         f'{value!r}')
    return value.astimezone(UTC)


class Trigger(abc.ABC):
    """When a rule fires: a pure function from an instant to the next.

    Triggers are immutable and safe to share between threads. All
    instants they return are aware datetimes in UTC.

    :ivar kind: one of ``cron``, ``interval``, ``oneshot``.
    :ivar expression: the expression as given.
    :ivar timezone: the IANA time zone name as given.
    :ivar zone: that time zone, loaded.
    :ivar start_at: no fire time is earlier than this (UTC) if set.
    :ivar end_at: no fire time is later than this (UTC) if set.
    """

    kind: str = ''

    def __init__(self, expression: str, timezone: str,
                 zone: zoneinfo.ZoneInfo,
                 start_at: datetime.datetime | None = None,
                 end_at: datetime.datetime | None = None) -> None:
        self.expression = expression
        self.timezone = timezone
        self.zone = zone
        self.start_at = start_at
        self.end_at = end_at

    def next_fire(self, after: datetime.datetime) -> datetime.datetime | None:
        """Return the first fire time strictly after ``after``.

        :param after: an aware datetime, in any zone.
        :returns: an aware UTC datetime, or None if the trigger will not
            fire again (past ``end_at``, one-shot time passed).
        """
        try:
            after = as_utc(after, 'after')
            if self.start_at is not None:
                after = max(after, self.start_at - EPSILON)
            if self.end_at is not None and after >= self.end_at:
                return None
            fire = self._next_after(after, self.end_at)
        except OverflowError:
            # The next fire time would be past datetime.max.
            return None
        if fire is None or (self.end_at is not None and fire > self.end_at):
            return None
        return fire

    def check_fires_after(self, now: datetime.datetime) -> None:
        """Refuse a trigger that has no fire time after ``now``.

        A rule with such a trigger would be stored and never fire.

        :raises InvalidTrigger: naming the field that leaves no fire time.
        """
        if self.next_fire(now) is not None:
            return
        now = as_utc(now, 'now')
        if self.end_at is None:
            raise exception.InvalidTrigger(
                'trigger.expression', f'has no fire time after '
                f'{now.isoformat()}')
        if self.end_at <= now:
            raise exception.InvalidTrigger(
                'trigger.end_at', f'{self.end_at.isoformat()} is in the '
                f'past (now is {now.isoformat()}): the rule would never '
                f'fire')
        raise exception.InvalidTrigger(
            'trigger.end_at', f'no fire time from now'
            f'{_from(self.start_at, now)} to {self.end_at.isoformat()}: '
            f'the rule would never fire')

    def count_fires(self, start: datetime.datetime,
                    end: datetime.datetime) -> int:
        """Count the fire times ``t`` with ``start <= t < end``."""
        start = as_utc(start, 'start')
        end = as_utc(end, 'end')
        if self.start_at is not None:
            start = max(start, self.start_at)
        if self.end_at is not None and self.end_at < end:
            end = self.end_at + EPSILON
        if end <= start:
            return 0
        return self._count(start, end)

    def _count(self, start: datetime.datetime,
               end: datetime.datetime) -> int:
        """Count fire times in [start, end), already within bounds.

        This enumerates them; triggers that can fire often count
        arithmetically instead.
        """
        count = 0
        fire = self.next_fire(start - EPSILON)
        while fire is not None and fire < end:
            count += 1
            fire = self.next_fire(fire)
        return count

    @abc.abstractmethod
    def _next_after(self, after: datetime.datetime,
                    until: datetime.datetime | None
                    ) -> datetime.datetime | None:
        """Return the first fire time > ``after`` (UTC), or None.

        ``after`` is already moved up to ``start_at``. ``until`` is
        ``end_at``; the caller filters on it, but an implementation may
        stop searching (and return None) once it is sure to pass it.
        """

    def __repr__(self) -> str:
        return (f'{type(self).__name__}({self.expression!r}, '
                f'timezone={self.timezone!r}, start_at={self.start_at!r}, '
                f'end_at={self.end_at!r})')

    def _key(self) -> tuple:
        return (self.kind, self.expression, self.timezone, self.start_at,
                self.end_at)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Trigger):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __reduce__(self):
        # The zone is read from the tz database package, not from a name
        # the pickle machinery could look up: rebuild it from the name.
        return (_rebuild, (type(self), self.expression, self.timezone,
                           self.start_at, self.end_at))


def _from(start_at: datetime.datetime | None, now: datetime.datetime
          ) -> str:
    if start_at is None or start_at <= now:
        return ''
    return f' (or start_at {start_at.isoformat()})'


def _rebuild(cls: type[Trigger], expression: str, timezone: str,
             start_at: datetime.datetime | None,
             end_at: datetime.datetime | None) -> Trigger:
    return cls(expression, timezone, zones.load_timezone(timezone),
               start_at, end_at)
