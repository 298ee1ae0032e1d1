"""Tests of what one round of the scheduler loop asks of the database."""

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
def mgr(sqlite_db, monkeypatch):
    fires = []
    original = db_api.fire_due_rules

    def counting(*args, **kwargs):
        fires.append(1)
        return original(*args, **kwargs)
    monkeypatch.setattr(db_api, 'fire_due_rules', counting)
    loop = manager.SchedulerManager(
        ms_conf.CONF, fakes.FakeMembership(range(NUM_BUCKETS), NUM_BUCKETS),
        fakes.FakeDispatcher(), NUM_BUCKETS)
    loop.fires = fires
    return loop


def _rule(next_fire_at):
    rule_id = str(uuid.uuid4())
    db_api.create_rules([{
        'id': rule_id, 'project_id': 'p', 'name': rule_id,
        'job_type': 'noop', 'job_args': {}, 'trigger_kind': 'oneshot',
        'trigger_expr': next_fire_at.isoformat(), 'timezone': 'UTC',
        'paused': False, 'misfire_policy': 'fire_once',
        'bucket': buckets.bucket_for(rule_id, NUM_BUCKETS),
        'next_fire_at': next_fire_at}])


def _now():
    return datetime.datetime.now(UTC)


def test_nothing_due_means_no_write_transaction(mgr):
    _rule(_now() + datetime.timedelta(hours=1))
    mgr.iterate()
    mgr.iterate()
    assert mgr.fires == []


def test_a_rule_created_by_others_is_seen_within_a_look(mgr):
    mgr.iterate()
    _rule(_now() - datetime.timedelta(seconds=1))
    # The earliest fire time read before the rule existed is still
    # trusted until the next look...
    mgr.iterate()
    assert mgr.fires == []
    mgr._next_look = 0.0  # ... which max_idle_interval brings.
    mgr.iterate()
    assert len(mgr.fires) == 1
    assert len(db_api.list_runs()) == 1


def test_a_membership_change_looks_at_once(mgr):
    mgr.iterate()
    _rule(_now() - datetime.timedelta(seconds=1))
    mgr.membership.changed = True
    mgr.iterate()
    assert len(db_api.list_runs()) == 1


def test_a_membership_change_sweeps_at_once(mgr):
    mgr.iterate()  # the first round sweeps; the next is sweep_interval away
    _rule(_now() - datetime.timedelta(seconds=1))
    mgr._next_look = 0.0
    mgr.iterate()
    [run] = mgr.dispatcher.submitted
    mgr.dispatcher.submitted.clear()
    # As if committed long ago by an owner that died before casting it.
    with db_api._writer() as session:
        session.execute(db_api.models.runs.update().values(
            created_at=_now() - datetime.timedelta(minutes=1)))
    mgr.iterate()
    assert mgr.dispatcher.submitted == []  # not the sweep's time yet
    mgr.membership.changed = True
    mgr.iterate()
    assert [r['id'] for r in mgr.dispatcher.submitted] == [run['id']]


def test_a_batch_of_broken_rules_only_is_disabled(mgr):
    rule_id = str(uuid.uuid4())
    db_api.create_rules([{
        'id': rule_id, 'project_id': 'p', 'name': 'broken',
        'job_type': 'noop', 'job_args': {}, 'trigger_kind': 'interval',
        'trigger_expr': '60', 'timezone': 'Mars/Olympus_Mons',
        'paused': False, 'misfire_policy': 'fire_once',
        'bucket': buckets.bucket_for(rule_id, NUM_BUCKETS),
        'next_fire_at': _now() - datetime.timedelta(seconds=1)}])
    mgr.iterate()
    assert db_api.get_rule(rule_id)['next_fire_at'] is None
