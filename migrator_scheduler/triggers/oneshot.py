"""One-shot triggers: a single ISO-8601 date-time.

With a UTC offset (``2025-03-30T02:30:00+01:00``, ``...Z``) the
expression names an instant. Without one it is a wall-clock time in the
rule's time zone: a time skipped by a DST change is rejected, and a
time that happens twice (clocks go back) means its FIRST occurrence.
"""

import datetime
import zoneinfo

from migrator_scheduler import exception
from migrator_scheduler.triggers import base
from migrator_scheduler.triggers import isotime
from migrator_scheduler.triggers import wallclock

FIELD = 'trigger.expression'
_EXAMPLE = 'e.g. 2025-03-30T02:30:00 or 2025-03-30T02:30:00+01:00'


def parse_instant(expression: str, zone: zoneinfo.ZoneInfo,
                  timezone: str) -> datetime.datetime:
    """Parse a one-shot expression into an aware UTC datetime.

    :raises InvalidTrigger: on ``trigger.expression``.
    """
    if not isinstance(expression, str) or not expression.strip():
        raise exception.InvalidTrigger(
            FIELD, f'a date-time is required ({_EXAMPLE})')
    text = expression.strip()
    try:
        value = isotime.parse_datetime(text)
    except ValueError as exc:
        raise exception.InvalidTrigger(
            FIELD, f'{exc} ({_EXAMPLE})') from None
    try:
        if value.tzinfo is not None:
            return value.astimezone(base.UTC)
        resolved = wallclock.resolve(value, zone)
    except OverflowError:
        raise exception.InvalidTrigger(
            FIELD, f'{text!r} is out of range') from None
    if resolved.first is None:
        raise exception.InvalidTrigger(
            FIELD, f'{text} does not exist in {timezone}: the clocks '
            f'skip it for a daylight saving time change')
    return resolved.first


class OneShotTrigger(base.Trigger):
    """Fires once, at ``fire_at``."""

    kind = 'oneshot'

    def __init__(self, expression: str, timezone: str,
                 zone: zoneinfo.ZoneInfo,
                 start_at: datetime.datetime | None = None,
                 end_at: datetime.datetime | None = None) -> None:
        super().__init__(expression, timezone, zone, start_at, end_at)
        self.fire_at = parse_instant(expression, zone, timezone)

    def check_fires_after(self, now: datetime.datetime) -> None:
        """Refuse a time that has passed or lies outside the bounds."""
        now = base.as_utc(now, 'now')
        when = self.fire_at.isoformat()
        if self.fire_at <= now:
            raise exception.InvalidTrigger(
                FIELD, f'{self.expression} ({when}) is in the past (now is '
                f'{now.isoformat()}): the rule would never fire')
        if self.start_at is not None and self.start_at > self.fire_at:
            raise exception.InvalidTrigger(
                'trigger.start_at', f'{self.start_at.isoformat()} is after '
                f'the one-shot time {when}: the rule would never fire')
        if self.end_at is not None and self.end_at < self.fire_at:
            raise exception.InvalidTrigger(
                'trigger.end_at', f'{self.end_at.isoformat()} is before '
                f'the one-shot time {when}: the rule would never fire')

    def _next_after(self, after: datetime.datetime,
                    until: datetime.datetime | None
                    ) -> datetime.datetime | None:
        return self.fire_at if self.fire_at > after else None
