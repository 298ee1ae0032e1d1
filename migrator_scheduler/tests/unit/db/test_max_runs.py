"""A rule's max_runs: it fires that many runs in all, then no more."""

import datetime

import pytest

from migrator_scheduler.db import api as db_api
from migrator_scheduler.tests.unit.db import test_api as helpers

NOW = helpers.NOW
pytestmark = pytest.mark.usefixtures('sqlite_db')


def _at(minutes):
    return NOW + datetime.timedelta(minutes=minutes)


def _planner(times, skipped=()):
    """Plan the runs at ``times`` (``skipped`` ones as misfires)."""
    def plan(row):
        runs = [(t, 'skipped' if t in skipped else 'pending',
                 'misfire' if t in skipped else None) for t in times]
        return db_api.FirePlan(_at(100), runs)
    return plan


def _fire(planner, when=NOW):
    return db_api.fire_due_rules(None, when, planner, limit=100)[1]


def test_fires_until_max_runs_then_stops():
    [rule_id] = db_api.create_rules([helpers._rule('a', max_runs=3)])
    assert len(_fire(_planner([NOW, _at(1)]))) == 2
    rule = db_api.get_rule(rule_id)
    assert (rule['fired_runs'], rule['next_fire_at']) == (2, _at(100))
    # Three more due: one is left.
    created = _fire(_planner([_at(100), _at(101), _at(102)]), _at(102))
    assert [r['scheduled_for'] for r in created] == [_at(100)]
    rule = db_api.get_rule(rule_id)
    assert (rule['fired_runs'], rule['next_fire_at']) == (3, None)


def test_misfires_do_not_count():
    [rule_id] = db_api.create_rules([helpers._rule('a', max_runs=1)])
    _fire(_planner([NOW, _at(1)], skipped={NOW}), _at(1))
    states = sorted(r['state'] for r in db_api.list_runs())
    assert states == ['pending', 'skipped']
    assert db_api.get_rule(rule_id)['next_fire_at'] is None


def test_rules_without_a_limit_are_not_counted():
    [rule_id] = db_api.create_rules([helpers._rule('a')])
    _fire(_planner([NOW]))
    assert db_api.get_rule(rule_id)['fired_runs'] == 0


def test_replacing_with_a_reached_limit_stops_the_rule():
    [rule_id] = db_api.create_rules([helpers._rule('a', max_runs=5)])
    _fire(_planner([NOW, _at(1)]))
    db_api.create_rules([helpers._rule('a', max_runs=2,
                                       next_fire_at=_at(200))],
                        replace=True)
    rule = db_api.get_rule(rule_id)
    assert (rule['fired_runs'], rule['next_fire_at']) == (2, None)
