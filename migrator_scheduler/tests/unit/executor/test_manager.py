import datetime

from oslo_db import exception as db_exc
import pytest

from migrator_scheduler.db import api as db_api
from migrator_scheduler.executor import manager

NOW = datetime.datetime(2026, 1, 1, 2, 0, tzinfo=datetime.timezone.utc)


def _rule(name, job_type='noop', job_args=None):
    return {
        'project_id': 'p', 'name': name, 'job_type': job_type,
        'job_args': job_args or {}, 'trigger_kind': 'interval',
        'trigger_expr': '60', 'timezone': 'UTC', 'paused': False,
        'misfire_policy': 'fire_once', 'bucket': 0, 'next_fire_at': NOW,
    }


def _fire_all():
    def planner(row):
        return db_api.FirePlan(
            row.next_fire_at + datetime.timedelta(minutes=1),
            [(row.next_fire_at, 'pending', None)])
    _, runs = db_api.fire_due_rules(None, NOW, planner, 1000)
    return runs


def _states():
    return sorted(r['state'] for r in db_api.list_runs(limit=1000))


@pytest.fixture
def executor(sqlite_db):
    ex = manager.ExecutorManager('host-a', workers=3)
    yield ex
    ex.stop()


def test_runs_each_job_once_even_when_cast_twice(executor, tmp_path):
    record = tmp_path / 'record'
    db_api.create_rules([_rule(f'r{i}', job_args={'record': str(record)})
                         for i in range(7)])
    runs = _fire_all()
    ids = [r['id'] for r in runs]
    executor.execute_runs(ids)
    executor.execute_runs(ids)
    executor.stop()
    lines = record.read_text().splitlines()
    assert sorted(line.split()[0] for line in lines) == sorted(ids)
    assert _states() == ['succeeded'] * 7
    run = db_api.list_runs(limit=1)[0]
    assert run['executor_host'] == 'host-a'
    assert run['started_at'] is not None and run['finished_at'] is not None


def test_failing_job_is_recorded(executor):
    db_api.create_rules([_rule('bad', job_type='sleep',
                               job_args={'seconds': -1})])
    executor.execute_runs([r['id'] for r in _fire_all()])
    executor.stop()
    run = db_api.list_runs(limit=1)[0]
    assert run['state'] == 'failed'
    assert 'job.args.seconds: -1 is less than the minimum of 0' in run[
        'error']


def test_unknown_job_type_fails_the_run(executor):
    db_api.create_rules([_rule('ghost', job_type='no-such-driver')])
    executor.execute_runs([r['id'] for r in _fire_all()])
    executor.stop()
    run = db_api.list_runs(limit=1)[0]
    assert run['state'] == 'failed'
    assert 'no-such-driver' in run['error']


def test_unknown_run_ids_are_ignored(executor):
    executor.execute_runs(['00000000-0000-0000-0000-000000000000'])
    executor.stop()
    assert _states() == []


def test_lost_claim_is_not_overwritten(sqlite_db):
    db_api.create_rules([_rule('r')])
    run_id = _fire_all()[0]['id']
    token, claimed = db_api.claim_runs([run_id], 'h1', NOW)
    assert len(claimed) == 1
    later = NOW + datetime.timedelta(minutes=5)
    retried, lost = db_api.reap_lost_runs(None, later, 3, later, 100)
    assert [r['id'] for r in retried] == [run_id] and lost == []
    # The zombie's late outcome must not overwrite the new attempt.
    assert not db_api.finish_run(run_id, token, 'succeeded', later)
    token2, claimed2 = db_api.claim_runs([run_id], 'h2', later)
    assert claimed2[0]['attempt'] == 2
    assert db_api.finish_run(run_id, token2, 'succeeded', later)


def test_reaping_gives_up_after_max_attempts(sqlite_db):
    db_api.create_rules([_rule('r')])
    run_id = _fire_all()[0]['id']
    when = NOW
    for _ in range(2):
        db_api.claim_runs([run_id], 'h', when)
        when += datetime.timedelta(minutes=5)
        db_api.reap_lost_runs(None, when, 2, when, 100)
    run = db_api.list_runs(limit=1)[0]
    assert run['state'] == 'lost' and run['attempt'] == 2


def test_a_run_claimed_while_stopping_gives_its_slot_back(sqlite_db):
    db_api.create_rules([_rule('r')])
    [run] = _fire_all()
    ex = manager.ExecutorManager('host-a', workers=1)
    ex.stop()
    ex.execute_runs([run['id']])
    assert ex.running_run_ids() == []
    # The only slot is free again; the claimed run is left to the reaper.
    assert ex._slots.acquire(blocking=False)
    assert _states() == ['running']


def test_the_claim_records_the_cast_time(executor):
    db_api.create_rules([_rule('r')])
    [run] = _fire_all()
    cast_at = datetime.datetime.now(datetime.timezone.utc)
    executor.execute_runs([run['id']], cast_at)
    executor.stop()
    [stored] = db_api.list_runs(limit=1)
    assert stored['dispatched_at'] == cast_at <= stored['started_at']


def test_claims_wait_for_an_unreachable_database(sqlite_db, monkeypatch,
                                                 tmp_path):
    record = tmp_path / 'record'
    db_api.create_rules([_rule('r', job_args={'record': str(record)})])
    ids = [r['id'] for r in _fire_all()]
    real_claim, calls = db_api.claim_runs, []

    def claim_runs(*args, **kwargs):
        calls.append(args)
        if len(calls) < 3:
            raise db_exc.DBConnectionError('database restarting')
        return real_claim(*args, **kwargs)
    monkeypatch.setattr(db_api, 'claim_runs', claim_runs)
    ex = manager.ExecutorManager('host-a', workers=3, db_retry_for=60)
    try:
        ex.execute_runs(ids)
    finally:
        ex.stop()
    assert len(calls) == 3
    assert _states() == ['succeeded']
    assert record.read_text().split()[0] == ids[0]


def test_claims_give_up_when_stopping(sqlite_db, monkeypatch):
    db_api.create_rules([_rule('r')])
    ids = [r['id'] for r in _fire_all()]

    def claim_runs(*args, **kwargs):
        raise db_exc.DBConnectionError('database gone')
    monkeypatch.setattr(db_api, 'claim_runs', claim_runs)
    ex = manager.ExecutorManager('host-a', workers=3, db_retry_for=3600)
    ex.stop_retrying()
    try:
        with pytest.raises(db_exc.DBConnectionError):
            ex.execute_runs(ids)
    finally:
        ex.stop()
    assert _states() == ['pending']
