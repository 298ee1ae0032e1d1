"""The next fire times of a trigger, explained for a person to check.

Used wherever a rule is written or looked at (the manage command, the
API), so what is shown is what the schedulers will do.
"""

import dataclasses
import datetime

from migrator_scheduler.triggers import base
from migrator_scheduler.triggers import wallclock

MAX_COUNT = 1000


@dataclasses.dataclass(frozen=True)
class FireTime:
    """One fire time.

    :ivar utc: the instant, an aware UTC datetime.
    :ivar local: the same instant in the trigger's time zone.
    :ivar note: what a daylight saving time change does here, or None.
    """

    utc: datetime.datetime
    local: datetime.datetime
    note: str | None = None


def next_fires(trigger: base.Trigger, after: datetime.datetime,
               count: int) -> list[datetime.datetime]:
    """Return up to ``count`` fire times after ``after`` (fewer when the
    trigger stops firing)."""
    if not 1 <= count <= MAX_COUNT:
        raise ValueError(f'count must be 1 to {MAX_COUNT}, got {count}')
    fires = []
    fire = trigger.next_fire(after)
    while fire is not None and len(fires) < count:
        fires.append(fire)
        fire = trigger.next_fire(fire)
    return fires


def preview(trigger: base.Trigger, after: datetime.datetime,
            count: int) -> list[FireTime]:
    """Return the next ``count`` fire times with notes on DST changes."""
    result = []
    offset = base.as_utc(after, 'after').astimezone(trigger.zone).utcoffset()
    for fire in next_fires(trigger, after, count):
        local = fire.astimezone(trigger.zone)
        result.append(FireTime(fire, local, _note(trigger, fire, offset)))
        offset = local.utcoffset()
    return result


def _note(trigger: base.Trigger, fire: datetime.datetime,
          previous_offset: datetime.timedelta) -> str | None:
    zone = trigger.zone
    offset = fire.astimezone(zone).utcoffset()
    wall = wallclock.local_wall(fire, zone)
    notes = []
    resolved = wallclock.resolve(wall, zone)
    if resolved.repeated:
        which = 'first' if fire == resolved.first else 'second'
        notes.append(f'clocks go back: the {which} {wall:%H:%M:%S} of the '
                     f'day')
    before = (fire - base.EPSILON).astimezone(zone).utcoffset()
    if offset > before:
        # The clocks jump forward at this very instant: a fixed-time job
        # whose time was skipped fires now.
        skipped_from = (fire + before).replace(tzinfo=None)
        notes.append(f'clocks jump forward from {skipped_from:%H:%M} to '
                     f'{wall:%H:%M} at this instant')
    elif offset != previous_offset:
        notes.append(f'UTC offset now {_offset(offset)} (was '
                     f'{_offset(previous_offset)})')
    return '; '.join(notes) or None


def _offset(offset: datetime.timedelta) -> str:
    sign = '-' if offset < datetime.timedelta(0) else '+'
    minutes = abs(offset) // datetime.timedelta(minutes=1)
    return f'{sign}{minutes // 60:02d}:{minutes % 60:02d}'
