"""The rescue: overdue work in any bucket, whoever owns it."""

import datetime
import uuid

import pytest

from migrator_scheduler.common import buckets
from migrator_scheduler import conf as ms_conf
from migrator_scheduler.db import api as db_api
from migrator_scheduler.scheduler import manager
from migrator_scheduler.scheduler import rescue
from migrator_scheduler.tests.unit.scheduler import fakes

NUM_BUCKETS = 16
BOUND = 20.0
UTC = datetime.timezone.utc


def _now():
    return datetime.datetime.now(UTC)


def _ago(seconds):
    return _now() - datetime.timedelta(seconds=seconds)


def _rule(next_fire_at):
    rule_id = str(uuid.uuid4())
    db_api.create_rules([{
        'id': rule_id, 'project_id': 'p', 'name': rule_id,
        'job_type': 'noop', 'job_args': {}, 'trigger_kind': 'interval',
        'trigger_expr': '3600', 'timezone': 'UTC', 'paused': False,
        'misfire_policy': 'fire_once',
        'bucket': buckets.bucket_for(rule_id, NUM_BUCKETS),
        'next_fire_at': next_fire_at}])
    return rule_id


@pytest.fixture
def rescuer(sqlite_db):
    ms_conf.CONF.set_override('fire_ahead', 0, group='scheduler')
    yield rescue.Rescuer(ms_conf.CONF, fakes.FakeDispatcher(), BOUND)
    ms_conf.CONF.clear_override('fire_ahead', group='scheduler')


def _fired_rules():
    return {run['rule_id'] for run in db_api.list_runs(limit=1000)}


def test_rules_overdue_past_the_bound_are_fired(rescuer, caplog):
    overdue = _rule(_ago(BOUND + 5))
    recent = _rule(_ago(BOUND - 5))
    rescuer.rescue(_now())
    assert _fired_rules() == {overdue}
    assert recent not in _fired_rules()
    assert rescuer.rescued_rules == 1
    submitted = rescuer.dispatcher.submitted
    assert [r['rule_id'] for r in submitted] == [overdue], submitted
    assert 'Rescued 1 rules due more than 20s ago' in caplog.text
    # Fired once: the rule moved on, a second rescue finds nothing.
    rescuer.rescue(_now())
    assert rescuer.rescued_rules == 1


def test_nothing_overdue_means_no_write_transaction(rescuer, monkeypatch):
    _rule(_ago(1))
    calls = []
    monkeypatch.setattr(db_api, 'fire_due_rules',
                        lambda *a, **k: calls.append(1) or (0, []))
    rescuer.rescue(_now())
    assert calls == []


def _run(rule_id, scheduled_for, **values):
    run_id = str(uuid.uuid4())
    row = {'id': run_id, 'rule_id': rule_id,
           'bucket': db_api.get_rule(rule_id)['bucket'],
           'scheduled_for': scheduled_for, 'state': 'pending',
           'attempt': 1, 'created_at': scheduled_for}
    row.update(values)
    with db_api._writer() as session:
        session.execute(db_api.models.runs.insert().values(**row))
    return run_id


def test_runs_never_cast_are_cast(rescuer):
    rule_id = _rule(_now() + datetime.timedelta(hours=1))
    lost = _run(rule_id, _ago(BOUND + 5))
    _run(rule_id, _ago(BOUND - 5))
    rescuer.rescue(_now())
    assert [r['id'] for r in rescuer.dispatcher.submitted] == [lost]
    assert rescuer.rescued_runs == 1


def test_runs_cast_long_ago_are_cast_again(rescuer):
    redispatch = ms_conf.CONF.scheduler.redispatch_after
    rule_id = _rule(_now() + datetime.timedelta(hours=1))
    lost = _run(rule_id, _ago(BOUND + redispatch + 60),
                dispatched_at=_ago(BOUND + redispatch + 5))
    _run(rule_id, _ago(BOUND + redispatch + 60) +
         datetime.timedelta(seconds=1),
         dispatched_at=_ago(redispatch + 5))
    rescuer.rescue(_now())
    assert [r['id'] for r in rescuer.dispatcher.submitted] == [lost]


def test_runs_of_an_executor_lost_long_ago_are_reaped(rescuer):
    timeout = ms_conf.CONF.executor.lost_run_timeout
    rule_id = _rule(_now() + datetime.timedelta(hours=1))
    lost = _run(rule_id, _ago(600), state='running', claim_token='t',
                heartbeat_at=_ago(timeout + BOUND + 5))
    _run(rule_id, _ago(601), state='running', claim_token='u',
         heartbeat_at=_ago(timeout + 5))
    rescuer.rescue(_now())
    assert [r['id'] for r in rescuer.dispatcher.submitted] == [lost]
    assert rescuer.rescued_runs == 1


def test_a_scheduler_owning_no_bucket_still_rescues(sqlite_db):
    ms_conf.CONF.set_override('rescue_after', BOUND, group='scheduler')
    try:
        overdue = _rule(_ago(BOUND + 5))
        mgr = manager.SchedulerManager(
            ms_conf.CONF, fakes.FakeMembership((), NUM_BUCKETS),
            fakes.FakeDispatcher(), NUM_BUCKETS)
        mgr.iterate()
        assert _fired_rules() == {overdue}
        assert mgr.rescuer.rescued_rules == 1
    finally:
        ms_conf.CONF.clear_override('rescue_after', group='scheduler')
