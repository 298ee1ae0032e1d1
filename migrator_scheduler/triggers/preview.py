"""The next fire times of a trigger, explained for a person to check.

Used wherever a rule is written or looked at (the manage command, the
API), so what is shown is what the schedulers will do.
"""

import dataclasses
import datetime

from migrator_scheduler.triggers import base
from migrator_scheduler.triggers import spread as spread_mod
from migrator_scheduler.triggers import wallclock

MAX_COUNT = 1000


@dataclasses.dataclass(frozen=True)
class FireTime:
    """One fire time.

    :ivar utc: the instant, an aware UTC datetime.
    :ivar local: the same instant in the trigger's time zone.
    :ivar note: what a daylight saving time change does here, or None.
    :ivar start: when its run may start (spreading), in the trigger's
        time zone; None when that is the fire time itself.
    """

    utc: datetime.datetime
    local: datetime.datetime
    note: str | None = None
    start: datetime.datetime | None = None

    @property
    def offset(self) -> datetime.timedelta:
        """How long after the fire time its run may start."""
        if self.start is None:
            return datetime.timedelta(0)
        return self.start - self.utc


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
            count: int, rule_id: str | None = None,
            spread: spread_mod.Spread = spread_mod.Spread()
            ) -> list[FireTime]:
    """Return the next ``count`` fire times with notes on DST changes.

    With a ``rule_id`` and a ``spread``, each one also gets the time its
    run starts, as the schedulers compute it for a run fired on time.
    """
    result = []
    offset = base.as_utc(after, 'after').astimezone(trigger.zone).utcoffset()
    for fire in next_fires(trigger, after, count):
        local = fire.astimezone(trigger.zone)
        start = None
        if rule_id is not None and spread:
            start = spread_mod.start_time(rule_id, fire, spread).astimezone(
                trigger.zone)
        result.append(FireTime(fire, local, _note(trigger, fire, offset),
                               start))
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
