import datetime
import uuid

import pytest

from migrator_scheduler.common import buckets
from migrator_scheduler import conf as ms_conf
from migrator_scheduler.db import api as db_api
from migrator_scheduler.scheduler import manager
from migrator_scheduler.tests.unit.scheduler import fakes

NUM_BUCKETS = 16
UTC = datetime.timezone.utc


@pytest.fixture
def conf(sqlite_db):
    # Runs are created when due unless a test plans ahead.
    ms_conf.CONF.set_override('fire_ahead', 0, group='scheduler')
    yield ms_conf.CONF
    ms_conf.CONF.clear_override('fire_ahead', group='scheduler')


def _now():
    return datetime.datetime.now(UTC)


def _rule(name, next_fire_at, expr=None, kind='oneshot', tz='UTC',
          policy='fire_once', grace=None):
    # A one-shot at next_fire_at fires exactly once, whatever the clock.
    if expr is None:
        expr = next_fire_at.isoformat()
    rule_id = str(uuid.uuid4())
    return {
        'id': rule_id, 'project_id': 'p', 'name': name,
        'job_type': 'noop', 'job_args': {}, 'trigger_kind': kind,
        'trigger_expr': expr, 'timezone': tz, 'paused': False,
        'misfire_policy': policy, 'misfire_grace_time': grace,
        'bucket': buckets.bucket_for(rule_id, NUM_BUCKETS),
        'next_fire_at': next_fire_at,
    }


def _manager(conf, owned=range(NUM_BUCKETS)):
    return manager.SchedulerManager(
        conf, fakes.FakeMembership(owned, NUM_BUCKETS),
        fakes.FakeDispatcher(), NUM_BUCKETS)


def test_fires_due_rules_once_and_advances(conf):
    due = _now() - datetime.timedelta(seconds=1)
    later = _now() + datetime.timedelta(hours=1)
    db_api.create_rules([_rule(f'due{i}', due) for i in range(5)] +
                        [_rule('later', later)])
    mgr = _manager(conf)
    assert mgr.fire_due(mgr.owned_buckets()) == 5
    assert mgr.fire_due(mgr.owned_buckets()) == 0
    runs = db_api.list_runs(limit=100)
    assert len(runs) == 5
    assert {r['scheduled_for'] for r in runs} == {due}
    assert sorted(r['id'] for r in mgr.dispatcher.submitted) == sorted(
        r['id'] for r in runs)
    for rule in db_api.list_rules():
        if rule['name'] != 'later':
            # A one-shot that fired has no next fire time.
            assert rule['next_fire_at'] is None
            assert rule['last_fire_at'] == due


def test_only_owned_buckets_are_fired(conf):
    due = _now() - datetime.timedelta(seconds=1)
    rules = [_rule(f'r{i}', due) for i in range(40)]
    db_api.create_rules(rules)
    mine = {0, 1, 2, 3}
    mgr = _manager(conf, mine)
    fired = mgr.fire_due(mgr.owned_buckets())
    expected = [r for r in rules if r['bucket'] in mine]
    assert fired == len(expected)
    assert {r['rule_id'] for r in db_api.list_runs(limit=100)} == {
        r['id'] for r in expected}


def test_two_owners_of_a_bucket_fire_once(conf):
    due = _now() - datetime.timedelta(seconds=1)
    db_api.create_rules([_rule(f'r{i}', due) for i in range(30)])
    first, second = _manager(conf), _manager(conf)
    total = first.fire_due(None) + second.fire_due(None)
    assert total == 30
    assert len(db_api.list_runs(limit=100)) == 30


def test_batches_until_nothing_is_due(conf):
    conf.set_override('batch_size', 7, group='scheduler')
    try:
        due = _now() - datetime.timedelta(seconds=1)
        db_api.create_rules([_rule(f'r{i}', due) for i in range(30)])
        mgr = _manager(conf)
        assert mgr.fire_due(None) == 30
    finally:
        conf.clear_override('batch_size', group='scheduler')


def _ten_minutes_late():
    # A grid time of a one-minute interval rule, ten minutes ago.
    now = _now()
    return now.replace(second=0, microsecond=0) - datetime.timedelta(
        minutes=10)


def test_skip_policy_records_skipped_runs(conf):
    late = _ten_minutes_late()
    db_api.create_rules([_rule('late', late, expr='60', kind='interval',
                               policy='skip', grace=0)])
    mgr = _manager(conf)
    mgr.fire_due(None)
    runs = db_api.list_runs(limit=100)
    # Ten or eleven missed minutes, by when the clock turned.
    assert len(runs) >= 10 and {r['state'] for r in runs} == {'skipped'}
    assert mgr.dispatcher.submitted == []
    assert db_api.list_rules()[0]['next_fire_at'] > _now()


def test_fire_once_coalesces_a_long_downtime(conf):
    late = _ten_minutes_late()
    db_api.create_rules([_rule('late', late, expr='60', kind='interval',
                               policy='fire_once', grace=0)])
    mgr = _manager(conf)
    mgr.fire_due(None)
    pending = [r for r in db_api.list_runs(limit=100)
               if r['state'] == 'pending']
    assert len(pending) == 1
    assert pending[0]['reason'].startswith('misfire')


def test_a_broken_rule_is_disabled_and_others_fire(conf):
    due = _now() - datetime.timedelta(seconds=1)
    db_api.create_rules([_rule('broken', due, tz='Mars/Olympus_Mons'),
                         _rule('fine', due)])
    mgr = _manager(conf)
    mgr.fire_due(None)
    rules = {r['name']: r for r in db_api.list_rules()}
    assert rules['broken']['next_fire_at'] is None
    assert [r['rule_id'] for r in db_api.list_runs(limit=10)] == [
        rules['fine']['id']]


def test_sweep_casts_lost_casts_again(conf):
    # Long enough that a slow test host does not make the run old enough
    # before the first sweep.
    conf.set_override('sweep_interval', 3, group='scheduler')
    try:
        due = _now() - datetime.timedelta(seconds=1)
        db_api.create_rules([_rule('r', due)])
        mgr = _manager(conf)
        mgr.fire_due(None)
        run_id = mgr.dispatcher.submitted[0]['id']
        mgr.dispatcher.submitted.clear()
        # Never marked dispatched: as if the scheduler died before casting.
        mgr.sweep(None)
        assert mgr.dispatcher.submitted == []  # too recent yet
        with db_api._writer() as session:
            session.execute(db_api.models.runs.update().values(
                created_at=_now() - datetime.timedelta(seconds=10)))
        mgr.sweep(None)
        assert [r['id'] for r in mgr.dispatcher.submitted] == [run_id]
    finally:
        conf.clear_override('sweep_interval', group='scheduler')


def test_iterate_sleeps_until_the_earliest_fire_time(conf):
    soon = _now() + datetime.timedelta(milliseconds=300)
    db_api.create_rules([_rule('soon', soon)])
    mgr = _manager(conf)
    sleep = mgr.iterate()
    assert 0 < sleep <= 0.3


def test_iterate_without_buckets_does_no_work(conf):
    due = _now() - datetime.timedelta(seconds=1)
    db_api.create_rules([_rule('r', due)])
    mgr = _manager(conf, owned=())
    # Wakes for its next sweep (and rescue) at the latest.
    assert 0 < mgr.iterate() <= conf.scheduler.sweep_interval
    assert db_api.list_runs() == []


def test_fire_ahead_creates_runs_before_their_time(conf):
    conf.set_override('fire_ahead', 10, group='scheduler')
    soon = _now() + datetime.timedelta(seconds=5)
    later = _now() + datetime.timedelta(seconds=60)
    db_api.create_rules([_rule('soon', soon), _rule('later', later)])
    mgr = _manager(conf)
    assert mgr.fire_due(None) == 1
    [run] = db_api.list_runs(limit=10)
    assert run['scheduled_for'] == soon and run['state'] == 'pending'
    assert run['reason'] is None  # ahead is not late
    assert [r['scheduled_for'] for r in mgr.dispatcher.submitted] == [soon]
    rules = {r['name']: r for r in db_api.list_rules()}
    assert rules['soon']['next_fire_at'] is None
    assert rules['later']['next_fire_at'] == later


def test_fire_ahead_plans_every_time_of_the_window(conf):
    conf.set_override('fire_ahead', 10, group='scheduler')
    # An even second: a time of the 2 s interval's grid.
    start = _now().replace(microsecond=0) + datetime.timedelta(seconds=2)
    start -= datetime.timedelta(seconds=start.second % 2)
    db_api.create_rules([_rule('every2s', start, expr='2', kind='interval')])
    mgr = _manager(conf)
    mgr.fire_due(None)
    times = sorted(r['scheduled_for'] for r in db_api.list_runs(limit=100))
    assert times == [start + datetime.timedelta(seconds=2 * i)
                     for i in range(len(times))]
    assert 4 <= len(times) <= 6
    assert db_api.list_rules()[0]['next_fire_at'] > _now() + \
        datetime.timedelta(seconds=8)


def test_iterate_wakes_fire_ahead_before_the_earliest_time(conf):
    conf.set_override('fire_ahead', 10, group='scheduler')
    db_api.create_rules([_rule('r', _now() + datetime.timedelta(
        seconds=10.3))])
    mgr = _manager(conf)
    sleep = mgr.iterate()
    assert 0 < sleep <= 0.3
    assert db_api.list_runs() == []


def test_sweep_takes_lost_runs_planned_ahead_only_within_the_window(conf):
    conf.set_override('fire_ahead', 10, group='scheduler')
    conf.set_override('sweep_interval', 0.1, group='scheduler')
    try:
        db_api.create_rules([
            _rule('near', _now() + datetime.timedelta(seconds=5)),
            _rule('far', _now() + datetime.timedelta(seconds=9.5))])
        mgr = _manager(conf)
        mgr.fire_due(None)
        assert len(mgr.dispatcher.submitted) == 2
        # As if planned by a scheduler that died, long ago enough.
        mgr.dispatcher.submitted.clear()
        with db_api._writer() as session:
            session.execute(db_api.models.runs.update().values(
                created_at=_now() - datetime.timedelta(seconds=5)))
            session.execute(db_api.models.runs.update().where(
                db_api.models.runs.c.scheduled_for > _now() +
                datetime.timedelta(seconds=8)).values(
                    scheduled_for=_now() + datetime.timedelta(minutes=5)))
        mgr.sweep(None)
        assert [r['scheduled_for'] > _now()
                for r in mgr.dispatcher.submitted] == [True]
        assert mgr.dispatcher.submitted[0]['rule_id'] == {
            r['name']: r for r in db_api.list_rules()}['near']['id']
    finally:
        conf.clear_override('sweep_interval', group='scheduler')


def test_the_misfire_reason_goes_to_the_catch_up_run_not_one_ahead(conf):
    conf.set_override('fire_ahead', 120, group='scheduler')
    late = _ten_minutes_late()
    db_api.create_rules([_rule('late', late, expr='60', kind='interval',
                               policy='fire_once', grace=0)])
    _manager(conf).fire_due(None)
    pending = sorted((r for r in db_api.list_runs(limit=100)
                      if r['state'] == 'pending'),
                     key=lambda r: r['scheduled_for'])
    catch_up, *ahead = pending
    assert catch_up['scheduled_for'] <= _now()
    assert catch_up['reason'].startswith('misfire')
    assert ahead and all(r['scheduled_for'] > _now() for r in ahead)
    assert [r['reason'] for r in ahead] == [None] * len(ahead)
