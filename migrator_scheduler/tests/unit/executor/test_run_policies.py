"""Timeouts and retries of runs, as the executor applies them."""

import datetime
import threading

import pytest

from migrator_scheduler.db import api as db_api
from migrator_scheduler.executor import manager
from migrator_scheduler.executor import policy
from migrator_scheduler import jobs
from migrator_scheduler.jobs import base
from migrator_scheduler.jobs import errors
from migrator_scheduler.tests.unit.executor import test_manager as helpers

UTC = datetime.timezone.utc


class _Driver(base.JobDriver):
    """Runs ``behaviour(context)``; accepts any arguments."""

    args_schema = {'type': 'object'}

    def __init__(self, behaviour):
        self.behaviour = behaviour

    def execute(self, context, args):
        return self.behaviour(context)


@pytest.fixture
def driver(monkeypatch):
    """Make every job run the behaviour the test sets."""
    made = _Driver(lambda context: None)
    monkeypatch.setattr(jobs, 'get_driver', lambda job_type: made)
    return made


def _run_one(defaults=policy.Defaults(), **rule):
    values = helpers._rule('r')
    values.update(rule)
    db_api.create_rules([values])
    [run] = helpers._fire_all()
    ex = manager.ExecutorManager('host-a', workers=2, defaults=defaults)
    try:
        ex.execute_runs([run['id']])
    finally:
        ex.stop()
    [stored] = db_api.list_runs(limit=1)
    return stored


def _now():
    return datetime.datetime.now(UTC)


def test_a_failed_attempt_is_kept_and_retried_later(sqlite_db, driver):
    def fail(context):
        raise RuntimeError(f'attempt {context.attempt} failed')
    driver.behaviour = fail
    before = _now()
    run = _run_one(retry_delay=100)
    assert run['state'] == 'pending'
    assert run['attempt'] == 2
    assert run['reason'] == 'retried: failed'
    assert run['claim_token'] is None and run['dispatched_at'] is None
    delay = (run['retry_at'] - before).total_seconds()
    assert 50 <= delay <= 101
    [attempt] = db_api.list_attempts(run['id'])
    assert attempt['attempt'] == 1
    assert attempt['state'] == 'failed'
    assert attempt['executor_host'] == 'host-a'
    assert attempt['error'] == 'RuntimeError: attempt 1 failed'
    assert attempt['started_at'] <= attempt['finished_at']


def test_the_last_attempt_fails_the_run(sqlite_db, driver):
    driver.behaviour = lambda context: 1 / 0
    run = _run_one(max_attempts=1)
    assert run['state'] == 'failed'
    assert run['retry_at'] is None
    assert 'ZeroDivisionError' in run['error']
    assert db_api.list_attempts(run['id']) == []


def test_a_permanent_failure_is_not_retried(sqlite_db, driver):
    def refuse(context):
        raise errors.PermanentJobError('404 Not Found')
    driver.behaviour = refuse
    run = _run_one()
    assert run['state'] == 'failed'
    assert run['attempt'] == 1
    assert run['error'] == 'PermanentJobError: 404 Not Found'


def test_a_retry_after_is_honoured(sqlite_db, driver):
    def busy(context):
        exc = errors.JobError('429 Too Many Requests')
        exc.retry_after = 250
        raise exc
    driver.behaviour = busy
    before = _now()
    run = _run_one(retry_delay=10, retry_max_delay=300)
    assert run['state'] == 'pending'
    assert (run['retry_at'] - before).total_seconds() >= 250


def test_a_job_past_its_deadline_times_out(sqlite_db, driver):
    seen = {}

    def wait_long(context):
        seen['deadline'] = context.deadline
        context.wait(60)
    driver.behaviour = wait_long
    before = _now()
    run = _run_one(job_timeout=1, max_attempts=1)
    assert run['state'] == 'timed_out'
    assert run['error'] == 'JobCancelled: cancelled (timeout)'
    assert 0 < (seen['deadline'] - before).total_seconds() <= 2
    assert (run['finished_at'] - before).total_seconds() < 30


def test_a_timed_out_attempt_is_retried(sqlite_db, driver):
    driver.behaviour = lambda context: context.wait(60)
    run = _run_one(job_timeout=1, max_attempts=2)
    assert run['state'] == 'pending'
    assert run['reason'] == 'retried: timed_out'
    assert [a['state'] for a in db_api.list_attempts(run['id'])] == [
        'timed_out']


def test_no_timeout_means_no_deadline(sqlite_db, driver):
    seen = []
    driver.behaviour = lambda context: seen.append(context.deadline)
    run = _run_one(policy.Defaults(job_timeout=0))
    assert run['state'] == 'succeeded'
    assert seen == [None]


def test_a_job_ignoring_its_deadline_is_given_up(sqlite_db, driver):
    released = threading.Event()
    returned = threading.Event()

    def stubborn(context):
        released.wait(60)
        returned.set()
    driver.behaviour = stubborn
    values = helpers._rule('r')
    values.update(job_timeout=1, max_attempts=1)
    db_api.create_rules([values])
    [run] = helpers._fire_all()
    ex = manager.ExecutorManager(
        'host-a', workers=1, defaults=policy.Defaults(cancel_grace=1))
    try:
        ex.execute_runs([run['id']])
        for _ in range(100):
            [stored] = db_api.list_runs(limit=1)
            if stored['state'] != 'running':
                break
            threading.Event().wait(0.1)
        assert stored['state'] == 'timed_out'
        assert stored['error'] == 'did not stop within 1s of its deadline'
        assert ex.running_run_ids() == []
        # Its worker is still busy: the only slot is not free.
        assert not ex._slots.acquire(blocking=False)
        released.set()
        assert returned.wait(10)
        for _ in range(100):
            if ex._slots.acquire(blocking=False):
                break
            threading.Event().wait(0.05)
        else:
            pytest.fail('the slot of the abandoned job was not released')
    finally:
        released.set()
        ex.stop()
    [stored] = db_api.list_runs(limit=1)
    assert stored['state'] == 'timed_out'


def test_a_lost_claim_is_not_retried(sqlite_db, driver):
    def lose_claim(context):
        with db_api._writer() as session:
            session.execute(db_api.models.runs.update().values(
                claim_token='someone-else'))
        context.ensure_claim()
    driver.behaviour = lose_claim
    run = _run_one()
    assert run['state'] == 'running'
    assert run['claim_token'] == 'someone-else'
    assert db_api.list_attempts(run['id']) == []
