"""Retries in the database: waiting for their delay, attempts kept."""

import datetime

import pytest

from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import schedulers as schedulers_db
from migrator_scheduler.tests.unit.db import test_api as helpers

UTC = datetime.timezone.utc
NOW = helpers.NOW
pytestmark = pytest.mark.usefixtures('sqlite_db')


def _later(seconds):
    return NOW + datetime.timedelta(seconds=seconds)


def _claimed_run(**rule):
    db_api.create_rules([helpers._rule('a', **rule)])
    [run] = helpers._fire_all(NOW)
    token, [claimed] = db_api.claim_runs([run['id']], 'host-a', _later(1))
    return claimed, token


def _retry(run, token, retry_at, state='failed'):
    return db_api.finish_runs([{
        'id': run['id'], 'claim_token': token, 'state': state,
        'finished_at': _later(2), 'result': None, 'error': 'boom',
        'retry_at': retry_at}])


def _to_dispatch(now):
    return [r['id'] for r in db_api.runs_to_dispatch(
        None, undispatched_before=now, dispatched_before=now, limit=10,
        retry_before=now)]


def test_the_claim_carries_the_rule_policies():
    run, _ = _claimed_run(job_timeout=60, max_attempts=4, retry_delay=5,
                          retry_max_delay=50)
    assert (run['job_timeout'], run['max_attempts'], run['retry_delay'],
            run['retry_max_delay']) == (60, 4, 5, 50)
    assert run['project_id'] == 'demo'


def test_a_retry_waits_for_its_delay_before_it_is_cast():
    run, token = _claimed_run()
    assert _retry(run, token, _later(60)) == [run['id']]
    assert _to_dispatch(_later(59)) == []
    assert _to_dispatch(_later(60)) == [run['id']]
    # Nor is it reported as overdue while it waits.
    assert schedulers_db.overdue_summary(_later(59))['uncast_runs'] == 0
    assert schedulers_db.overdue_summary(_later(61))['uncast_runs'] == 1


def test_a_retried_run_keeps_each_attempt():
    run, token = _claimed_run()
    _retry(run, token, _later(10))
    token, [again] = db_api.claim_runs([run['id']], 'host-b', _later(11))
    assert again['attempt'] == 2
    _retry(again, token, _later(20), state='timed_out')
    attempts = db_api.list_attempts(run['id'])
    assert [(a['attempt'], a['state'], a['executor_host'])
            for a in attempts] == [(1, 'failed', 'host-a'),
                                   (2, 'timed_out', 'host-b')]
    assert attempts[1]['started_at'] == _later(11)
    [stored] = db_api.list_runs()
    assert (stored['state'], stored['attempt'], stored['error']) == (
        'pending', 3, 'boom')


def test_a_stale_claim_cannot_retry():
    run, token = _claimed_run()
    assert _retry(run, 'not-the-token', _later(10)) == []
    assert db_api.list_attempts(run['id']) == []
    assert db_api.list_runs()[0]['state'] == 'running'


def test_the_reaper_follows_the_rule_max_attempts_and_keeps_the_attempt():
    run, _ = _claimed_run(max_attempts=2)
    retried, lost = db_api.reap_lost_runs(None, _later(100), 5, _later(100),
                                          10)
    assert [r['id'] for r in retried] == [run['id']] and lost == []
    [attempt] = db_api.list_attempts(run['id'])
    assert (attempt['state'], attempt['executor_host']) == ('lost', 'host-a')
    db_api.claim_runs([run['id']], 'host-b', _later(101))
    retried, lost = db_api.reap_lost_runs(None, _later(200), 5, _later(200),
                                          10)
    assert retried == [] and lost == [run['id']]
