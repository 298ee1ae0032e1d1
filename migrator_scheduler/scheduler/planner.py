"""Turns a due rule into the runs to create and its next fire time.

Pure: the only inputs besides the rule are ``now`` and the horizon up to
which fire times are planned.

A rule with spreading (see :mod:`migrator_scheduler.triggers.spread`)
gets a start time on each of its pending runs: its nominal time plus the
rule's offset; for a catch-up run (a fire time older than the rule's
misfire grace time), ``now`` plus the offset, so that a burst caught up
after an outage is spread over the window like the burst it replaces.
"""

from __future__ import annotations

import datetime
import functools

from oslo_log import log as logging

from migrator_scheduler.db import api as db_api
from migrator_scheduler import exception
from migrator_scheduler import triggers
from migrator_scheduler.triggers import misfire
from migrator_scheduler.triggers import spread as spread_mod

LOG = logging.getLogger(__name__)


@functools.lru_cache(maxsize=65536)
def _trigger(kind, expression, timezone, start_at, end_at):
    # Thousands of rules share a handful of schedules: parse each once.
    return triggers.build_trigger(kind, expression, timezone,
                                  start_at=start_at, end_at=end_at)


class Planner:
    """Plans the firing of due rules at one instant."""

    def __init__(self, now: datetime.datetime, default_grace: int,
                 max_fires: int,
                 horizon: datetime.datetime | None = None,
                 default_spread: spread_mod.Spread = spread_mod.Spread()
                 ) -> None:
        self.now = now
        self.horizon = now if horizon is None else horizon
        self._default_grace = default_grace
        self._max_fires = max_fires
        self._default_spread = default_spread
        # A plan depends only on these fields of a rule (and on now):
        # the rules of a burst share one schedule and are planned once.
        self._plans: dict[tuple, db_api.FirePlan] = {}

    def __call__(self, rule) -> db_api.FirePlan:
        """Return the :class:`~migrator_scheduler.db.api.FirePlan` of a row.

        A rule that cannot be planned (its stored trigger no longer
        parses, e.g. a time zone removed from the tz database) is logged
        and disabled by clearing its next fire time: one bad rule must
        not stop the others.
        """
        key = (rule.trigger_kind, rule.trigger_expr, rule.timezone,
               rule.start_at, rule.end_at, rule.next_fire_at,
               rule.misfire_policy, rule.misfire_grace_time)
        plan = self._plans.get(key)
        if plan is None:
            try:
                plan = self._plan(rule)
            except exception.InvalidInput as exc:
                LOG.error('Rule %s cannot be scheduled and is disabled: %s',
                          rule.id, exc)
                return db_api.FirePlan(None, [])
            self._plans[key] = plan
        return self._spread(rule, plan)

    def _spread(self, rule, plan: db_api.FirePlan) -> db_api.FirePlan:
        """Give the pending runs of a shared plan this rule's start times.
        """
        spread = spread_mod.effective(
            getattr(rule, 'spread_window', None),
            getattr(rule, 'spread_jitter', None), self._default_spread)
        if not spread or not plan.runs:
            return plan
        grace = rule.misfire_grace_time
        cutoff = self.now - datetime.timedelta(
            seconds=self._default_grace if grace is None else grace)
        runs = []
        for scheduled_for, state, reason in plan.runs:
            start = None
            if state == 'pending':
                start = spread_mod.start_after(
                    rule.id, scheduled_for, spread,
                    self.now if scheduled_for < cutoff else None)
            runs.append((scheduled_for, state, reason, start))
        return db_api.FirePlan(plan.next_fire_at, tuple(runs))

    def _plan(self, rule) -> db_api.FirePlan:
        trigger = _trigger(rule.trigger_kind, rule.trigger_expr,
                           rule.timezone, rule.start_at, rule.end_at)
        grace = rule.misfire_grace_time
        plan = misfire.plan_fires(
            trigger, rule.next_fire_at, self.now, rule.misfire_policy,
            self._default_grace if grace is None else grace,
            self._max_fires, horizon=self.horizon)
        catch_up = _catch_up_time(plan, self.now)
        runs = [(t, 'pending', _reason(plan) if t == catch_up else None)
                for t in plan.fire_times]
        runs.extend((t, 'skipped', 'misfire: skipped')
                    for t in plan.skipped_times)
        # A tuple: the plan is shared by every rule with the same key.
        return db_api.FirePlan(plan.next_fire_at, tuple(runs))


def _catch_up_time(plan: misfire.FirePlan, now: datetime.datetime
                   ) -> datetime.datetime | None:
    """The run that carries the misfire reason: the latest one whose time
    has come (times planned ahead are not part of a catch-up)."""
    if not plan.missed:
        return None
    come = [t for t in plan.fire_times if t <= now]
    return come[-1] if come else None


def _reason(plan: misfire.FirePlan) -> str:
    return f'misfire: {plan.missed} late fire times'

