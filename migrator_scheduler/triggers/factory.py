"""Building a validated trigger from a rule's stored fields."""

import datetime

from migrator_scheduler import exception
from migrator_scheduler.triggers import base
from migrator_scheduler.triggers import cron
from migrator_scheduler.triggers import interval
from migrator_scheduler.triggers import oneshot
from migrator_scheduler.triggers import zones

_CLASSES: dict[str, type[base.Trigger]] = {
    'cron': cron.CronTrigger,
    'interval': interval.IntervalTrigger,
    'oneshot': oneshot.OneShotTrigger,
}
TRIGGER_KINDS = tuple(_CLASSES)


def build_trigger(kind: str, expression: str, timezone: str,
                  start_at: datetime.datetime | None = None,
                  end_at: datetime.datetime | None = None) -> base.Trigger:
    """Validate a trigger definition and return its :class:`Trigger`.

    :param kind: one of :data:`TRIGGER_KINDS`.
    :param expression: the schedule, whose syntax depends on ``kind``.
    :param timezone: an IANA time zone name such as ``UTC``.
    :param start_at: aware datetime; no fire time is earlier.
    :param end_at: aware datetime; no fire time is later.
    :raises InvalidTrigger: naming the field at fault:
        ``trigger.kind``, ``trigger.expression``, ``trigger.timezone``,
        ``trigger.start_at`` or ``trigger.end_at``.
    """
    cls = _CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise exception.InvalidTrigger(
            'trigger.kind', f'unknown trigger kind {kind!r}; expected one '
            f'of {", ".join(TRIGGER_KINDS)}')
    zone = zones.load_timezone(timezone)
    start_at = _bound(start_at, 'trigger.start_at')
    end_at = _bound(end_at, 'trigger.end_at')
    if start_at is not None and end_at is not None and end_at < start_at:
        raise exception.InvalidTrigger(
            'trigger.end_at', f'end_at {end_at.isoformat()} is before '
            f'start_at {start_at.isoformat()}')
    if not isinstance(expression, str):
        raise exception.InvalidTrigger(
            'trigger.expression', f'expression must be a string, got '
            f'{type(expression).__name__}')
    return cls(expression, timezone, zone, start_at, end_at)


def _bound(value: datetime.datetime | None,
           field: str) -> datetime.datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime.datetime):
        raise exception.InvalidTrigger(
            field, f'expected a date-time, got {type(value).__name__}')
    try:
        return base.as_utc(value, field)
    except ValueError:
        raise exception.InvalidTrigger(
            field, f'{value.isoformat()} has no time zone; give an '
            f'offset such as +00:00') from None
    except OverflowError:
        raise exception.InvalidTrigger(
            field, f'{value.isoformat()} is out of range') from None
