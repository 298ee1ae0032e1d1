"""Tests of the planner's sharing of plans between alike rules."""

import datetime
import typing

from migrator_scheduler.scheduler import planner as planner_mod
from migrator_scheduler.triggers import spread

UTC = datetime.timezone.utc
NOW = datetime.datetime(2030, 1, 1, 2, 0, tzinfo=UTC)


class _Row(typing.NamedTuple):
    id: str
    next_fire_at: datetime.datetime
    timezone: str = 'UTC'
    trigger_kind: str = 'cron'
    trigger_expr: str = '0 2 * * *'
    start_at: datetime.datetime | None = None
    end_at: datetime.datetime | None = None
    misfire_policy: str = 'fire_once'
    misfire_grace_time: int | None = None


def test_alike_rules_share_one_plan():
    planner = planner_mod.Planner(NOW, 60, 100)
    first = planner(_Row('a', NOW))
    assert planner(_Row('b', NOW)) is first
    assert first.next_fire_at == NOW + datetime.timedelta(days=1)
    assert [r[:2] for r in first.runs] == [(NOW, 'pending')]


def test_rules_that_differ_are_planned_apart():
    planner = planner_mod.Planner(NOW, 60, 100)
    base = planner(_Row('a', NOW))
    late = planner(_Row('b', NOW - datetime.timedelta(days=2)))
    skip = planner(_Row('c', NOW - datetime.timedelta(days=2),
                        misfire_policy='skip'))
    assert len({id(base), id(late), id(skip)}) == 3
    # Two late fire times, recorded as skipped, and the one due now.
    assert sorted(r[1] for r in late.runs) == [
        'pending', 'skipped', 'skipped']


def test_a_broken_rule_is_disabled_each_time(caplog):
    planner = planner_mod.Planner(NOW, 60, 100)
    for rule_id in ('x', 'y'):
        plan = planner(_Row(rule_id, NOW, timezone='Mars/Olympus_Mons'))
        assert plan.next_fire_at is None and not plan.runs
    # Each broken rule is named in the log, not only the first.
    assert 'Rule x' in caplog.text and 'Rule y' in caplog.text


class _SpreadRow(typing.NamedTuple):
    id: str
    next_fire_at: datetime.datetime
    timezone: str = 'UTC'
    trigger_kind: str = 'cron'
    trigger_expr: str = '0 2 * * *'
    start_at: datetime.datetime | None = None
    end_at: datetime.datetime | None = None
    misfire_policy: str = 'fire_once'
    misfire_grace_time: int | None = None
    spread_window: int | None = None
    spread_jitter: int | None = None


def test_spread_rules_share_the_plan_but_not_the_start():
    planner = planner_mod.Planner(NOW, 60, 100)
    a = planner(_SpreadRow('a', NOW, spread_window=1800))
    b = planner(_SpreadRow('b', NOW, spread_window=1800))
    [(when_a, state, _, start_a)] = a.runs
    [(when_b, _, _, start_b)] = b.runs
    assert when_a == when_b == NOW and state == 'pending'
    window = spread.Spread(1800)
    assert start_a == spread.start_time('a', NOW, window)
    assert start_b == spread.start_time('b', NOW, window)
    assert start_a != start_b
    assert a.next_fire_at == b.next_fire_at


def test_the_default_spread_applies_to_rules_setting_none():
    default = spread.Spread(600, 10)
    planner = planner_mod.Planner(NOW, 60, 100, default_spread=default)
    [(_, _, _, start)] = planner(_SpreadRow('a', NOW)).runs
    assert start == spread.start_time('a', NOW, default)
    # A rule may turn it off.
    plan = planner(_SpreadRow('b', NOW, spread_window=0, spread_jitter=0))
    assert [len(r) for r in plan.runs] == [3]


def test_a_catch_up_run_is_spread_from_now():
    # Two days missed: fire_once runs the latest late time, skips the
    # other. Late past the grace time, it starts at now + its offset.
    planner = planner_mod.Planner(NOW + datetime.timedelta(hours=1), 60,
                                  100)
    plan = planner(_SpreadRow('a', NOW - datetime.timedelta(days=1),
                              spread_window=1800))
    pending = [r for r in plan.runs if r[1] == 'pending']
    skipped = [r for r in plan.runs if r[1] == 'skipped']
    [(when, _, reason, start)] = pending
    assert when == NOW and reason.startswith('misfire')
    assert start == planner.now + spread.offset('a', NOW,
                                                spread.Spread(1800))
    assert all(r[3] is None for r in skipped)


def test_a_run_late_within_the_grace_time_keeps_its_start():
    planner = planner_mod.Planner(NOW + datetime.timedelta(seconds=30), 60,
                                  100)
    [(_, _, _, start)] = planner(
        _SpreadRow('a', NOW, spread_window=1800)).runs
    assert start == spread.start_time('a', NOW, spread.Spread(1800))
