"""Planning the runs of a rule whose fire times are due or overdue.

A scheduler that finds ``next_fire_at <= now`` walks the nominal fire
times from ``next_fire_at`` up to ``now``, or up to a later *horizon*
when it creates runs ahead of their time; lateness is always measured
from ``now``. A time at most
``grace_seconds`` old is *on time* and always fires. An older one is
*late* (a misfire) and is handled by the rule's policy:

``fire_all``
    Every late time fires (catch-up). At most ``max_fires`` times are
    planned per call; ``next_fire_at`` is then the first time not yet
    planned, so the caller continues on its next cycle.
``fire_once``
    The late times collapse into ONE run at the most recent late time;
    if an on-time time exists, that run covers them and every late time
    is skipped.
``skip``
    No late time fires.

Late times that do not fire are returned as ``skipped_times`` (only the
most recent ``max_fires`` of them) for the caller to record. At most
``max_fires`` runs are planned per call under every policy.

The work is bounded whatever the backlog: late times are counted with
:meth:`Trigger.count_fires` (arithmetic for interval and cron triggers)
and only the ones returned are enumerated.
"""

import dataclasses
import datetime
import math

from migrator_scheduler import exception
from migrator_scheduler.triggers import base

MISFIRE_POLICIES = ('skip', 'fire_once', 'fire_all')
_SECOND = datetime.timedelta(seconds=1)


@dataclasses.dataclass(frozen=True)
class FirePlan:
    """What to do about the due fire times of one rule.

    :ivar fire_times: nominal times to create runs for, ascending.
    :ivar skipped_times: nominal times deliberately not run, ascending;
        only the most recent ``max_fires``.
    :ivar next_fire_at: the rule's new next fire time, or None when the
        trigger is exhausted. After the horizon (``now`` by default)
        unless a ``max_fires`` cap left due times for the next call.
    :ivar missed: how many nominal times were late beyond the grace
        time.
    """

    fire_times: list[datetime.datetime]
    skipped_times: list[datetime.datetime]
    next_fire_at: datetime.datetime | None
    missed: int


@dataclasses.dataclass(frozen=True)
class _Backlog:
    """Summary of the late times of a walk."""

    count: int
    # The most recent late times, ascending.
    recent: list[datetime.datetime]
    # The first nominal time at or after the lateness cutoff.
    resume: datetime.datetime | None


def plan_fires(trigger: base.Trigger,
               next_fire_at: datetime.datetime | None,
               now: datetime.datetime, policy: str,
               grace_seconds: float, max_fires: int,
               horizon: datetime.datetime | None = None) -> FirePlan:
    """Plan the runs due at ``now`` for a rule; pure.

    :param trigger: the rule's trigger.
    :param next_fire_at: the rule's stored next fire time.
    :param now: the current instant (aware); lateness is measured from
        it.
    :param policy: one of :data:`MISFIRE_POLICIES`.
    :param grace_seconds: how late a fire time may be and still be on
        time.
    :param max_fires: most runs planned (and skipped times returned) in
        one call.
    :param horizon: plan fire times up to this instant (aware, not before
        ``now``) instead of up to ``now``: runs planned ahead of their
        time. Times after ``now`` are never late.
    :raises InvalidInput: on ``misfire_policy``, ``misfire_grace_time``,
        ``max_fires`` or ``horizon``.
    """
    _validate(policy, grace_seconds, max_fires)
    now = base.as_utc(now, 'now')
    horizon = now if horizon is None else base.as_utc(horizon, 'horizon')
    if horizon < now:
        raise exception.InvalidInput(
            'horizon', f'must not be before now ({now.isoformat()}), got '
            f'{horizon.isoformat()}')
    if next_fire_at is None:
        return FirePlan([], [], None, 0)
    first = base.as_utc(next_fire_at, 'next_fire_at')
    if first > horizon:
        return FirePlan([], [], first, 0)
    cutoff = now - datetime.timedelta(seconds=grace_seconds)
    if policy == 'fire_all':
        fires, next_at = _take(trigger, first, horizon, max_fires)
        missed = sum(1 for t in fires if t < cutoff)
        return FirePlan(fires, [], next_at, missed)

    # One more than max_fires so fire_once can run the latest and still
    # report max_fires skipped times.
    backlog = _late_times(trigger, first, cutoff, max_fires + 1)
    on_time, next_at = _take(trigger, backlog.resume, horizon, max_fires)
    late = backlog.recent
    # Only a time that has come covers the late ones: a time planned
    # ahead (after now) does not delay the catch-up run.
    if policy == 'fire_once' and late and not (on_time and
                                               on_time[0] <= now):
        fires, late = late[-1:] + on_time, late[:-1]
        if len(fires) > max_fires:
            fires, next_at = fires[:max_fires], fires[max_fires]
    else:
        fires = on_time
    return FirePlan(fires, late[-max_fires:], next_at, backlog.count)


def _validate(policy: str, grace_seconds: float, max_fires: int) -> None:
    if policy not in MISFIRE_POLICIES:
        raise exception.InvalidInput(
            'misfire_policy', f'unknown misfire policy {policy!r}; '
            f'expected one of {", ".join(MISFIRE_POLICIES)}')
    if (isinstance(grace_seconds, bool)
            or not isinstance(grace_seconds, (int, float))
            or not math.isfinite(grace_seconds) or grace_seconds < 0):
        raise exception.InvalidInput(
            'misfire_grace_time', f'must be a number of seconds >= 0, got '
            f'{grace_seconds!r}')
    if (isinstance(max_fires, bool) or not isinstance(max_fires, int)
            or max_fires < 1):
        raise exception.InvalidInput(
            'max_fires', f'must be an integer >= 1, got {max_fires!r}')


def _take(trigger: base.Trigger, first: datetime.datetime | None,
          until: datetime.datetime, limit: int
          ) -> tuple[list[datetime.datetime], datetime.datetime | None]:
    """Return up to ``limit`` times from ``first`` that are <= ``until``,
    and the time after the last one taken."""
    taken = []
    time = first
    while time is not None and time <= until and len(taken) < limit:
        taken.append(time)
        time = trigger.next_fire(time)
    return taken, time


def _late_times(trigger: base.Trigger, first: datetime.datetime,
                cutoff: datetime.datetime, keep: int) -> _Backlog:
    """Summarise the nominal times from ``first`` that are < ``cutoff``,
    keeping the most recent ``keep`` of them."""
    if first >= cutoff:
        return _Backlog(0, [], first)
    # ``first`` is the stored next fire time and need not be one the
    # trigger would produce now (the rule may have been edited), so it
    # is counted on its own.
    later = trigger.count_fires(first + base.EPSILON, cutoff)
    if not later:
        return _Backlog(1, [first], trigger.next_fire(first))
    wanted = min(later, keep)
    recent = [first] if later < keep else []
    time = _kth_last_fire(trigger, first + base.EPSILON, cutoff, wanted)
    for _ in range(wanted):
        if time is None:
            break
        recent.append(time)
        time = trigger.next_fire(time)
    return _Backlog(later + 1, recent[-keep:], time)


def _kth_last_fire(trigger: base.Trigger, low: datetime.datetime,
                   cutoff: datetime.datetime, k: int) -> datetime.datetime:
    """Return the k-th last fire time in [low, cutoff); k >= 1 of them
    exist.

    Doubles a window back from ``cutoff`` until it holds k fire times,
    then bisects its start: the latest start holding k is a fire time.
    """
    width = _SECOND
    while (cutoff - width > low
           and trigger.count_fires(cutoff - width, cutoff) < k):
        width *= 2
    good = max(cutoff - width, low)        # holds >= k fire times
    bad = cutoff - width / 2 if width > _SECOND else cutoff  # < k
    while (steps := (bad - good) // base.EPSILON) > 1:
        middle = good + steps // 2 * base.EPSILON
        if trigger.count_fires(middle, cutoff) >= k:
            good = middle
        else:
            bad = middle
    return good
