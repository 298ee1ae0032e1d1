"""Tests of the planner's sharing of plans between alike rules."""

import datetime
import typing

from migrator_scheduler.scheduler import planner as planner_mod

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
