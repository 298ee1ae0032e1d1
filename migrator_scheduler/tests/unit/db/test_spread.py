"""Spread runs in the database: a start time that decides when they are
due, for the sweep, the rescue and the overdue report."""

import datetime

import pytest

from migrator_scheduler import conf as ms_conf
from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import schedulers as schedulers_db
from migrator_scheduler.scheduler import firing
from migrator_scheduler.scheduler import rescue
from migrator_scheduler.tests.unit.db import test_api as helpers
from migrator_scheduler.tests.unit.scheduler import fakes
from migrator_scheduler.triggers import spread

NOW = helpers.NOW
START = NOW + datetime.timedelta(seconds=600)
pytestmark = pytest.mark.usefixtures('sqlite_db')


def _later(seconds):
    return NOW + datetime.timedelta(seconds=seconds)


def _fire_spread(start_after=START):
    db_api.create_rules([helpers._rule('a')])

    def planner(row):
        return db_api.FirePlan(None, [(row.next_fire_at, 'pending', None,
                                       start_after)])
    return db_api.fire_due_rules(None, NOW, planner, limit=10)[1]


def _to_dispatch(now, due_by):
    return [r['id'] for r in db_api.runs_to_dispatch(
        None, undispatched_before=now, dispatched_before=now, limit=10,
        due_by=due_by, retry_before=now)]


def test_a_spread_run_is_fired_at_its_time_with_its_start():
    [run] = _fire_spread()
    assert run['scheduled_for'] == NOW and run['start_after'] == START
    [row] = db_api.list_runs()
    assert (row['scheduled_for'], row['start_after']) == (NOW, START)


def test_the_sweep_does_not_take_a_spread_run_before_its_start():
    [run] = _fire_spread()
    now = _later(30)
    assert _to_dispatch(now, due_by=now) == []
    assert _to_dispatch(_later(599), due_by=_later(599)) == []
    assert _to_dispatch(_later(600), due_by=_later(600)) == [run['id']]
    [found] = db_api.runs_to_dispatch(
        None, undispatched_before=_later(600),
        dispatched_before=_later(600), limit=10, due_by=_later(600))
    assert found['start_after'] == START


def test_a_waiting_spread_run_is_not_overdue():
    _fire_spread()
    assert schedulers_db.overdue_summary(_later(599))['uncast_runs'] == 0
    overdue = schedulers_db.overdue_summary(_later(601))
    assert overdue['uncast_runs'] == 1
    # Late from its start, not from its nominal time.
    assert overdue['oldest_run'] == START


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def test_the_rescue_waits_for_the_start_plus_the_bound():
    now = _utcnow()
    db_api.create_rules([helpers._rule('a', next_fire_at=now)])

    def planner(row):
        return db_api.FirePlan(None, [(row.next_fire_at, 'pending', None,
                                       now + datetime.timedelta(seconds=5))])
    [run] = db_api.fire_due_rules(None, now, planner, limit=10)[1]
    rescuer = rescue.Rescuer(ms_conf.CONF, fakes.FakeDispatcher(), 1.0)
    # Fired 3 s ago, past the bound, but its start has not come.
    rescuer.rescue(now + datetime.timedelta(seconds=3))
    assert rescuer.dispatcher.submitted == []
    rescuer.rescue(now + datetime.timedelta(seconds=7))
    assert [r['id'] for r in rescuer.dispatcher.submitted] == [run['id']]


def test_pausing_cancels_runs_waiting_for_their_start():
    now = datetime.datetime.now(datetime.timezone.utc)
    db_api.create_rules([helpers._rule('a', next_fire_at=now)])

    def planner(row):
        return db_api.FirePlan(None, [(row.next_fire_at, 'pending', None,
                                       now + datetime.timedelta(hours=1))])
    [run] = db_api.fire_due_rules(None, now, planner, limit=10)[1]
    db_api.set_rule_paused(run['rule_id'], True, None)
    [row] = db_api.list_runs()
    assert row['state'] == 'cancelled'
    assert 'paused before the run started' in row['reason']
    assert _to_dispatch(now + datetime.timedelta(hours=2),
                        now + datetime.timedelta(hours=2)) == []


def test_firing_gives_each_rule_its_own_start():
    now = _utcnow()
    window = spread.Spread(600)
    ids = db_api.create_rules([
        helpers._rule(name, spread_window=600, next_fire_at=now)
        for name in ('a', 'b', 'c')])
    ms_conf.CONF.set_override('fire_ahead', 0, group='scheduler')
    try:
        dispatcher = fakes.FakeDispatcher()
        fired, _ = firing.fire_in_batches(ms_conf.CONF, None,
                                          dispatcher.submit)
    finally:
        ms_conf.CONF.clear_override('fire_ahead', group='scheduler')
    assert fired == 3
    starts = {r['rule_id']: r['start_after'] for r in dispatcher.submitted}
    assert starts == {rule_id: spread.start_time(rule_id, now, window)
                      for rule_id in ids}
    assert len(set(starts.values())) == 3
