"""Tests of the recorder of run outcomes."""

import datetime
import threading
import time

from oslo_db import exception as db_exc
from sqlalchemy import exc as sa_exc

from migrator_scheduler.db import api as db_api
from migrator_scheduler.executor import outcomes
from migrator_scheduler.tests.functional import fixtures as ms_fixtures

NOW = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)


def _outcome(run_id):
    return outcomes.outcome(run_id, 'token', 'succeeded', NOW)


def test_outcomes_waiting_together_are_recorded_together(monkeypatch):
    gate = threading.Event()
    batches = []

    def finish_runs(items):
        gate.wait()
        batches.append([i['id'] for i in items])
        return [i['id'] for i in items]
    monkeypatch.setattr(db_api, 'finish_runs', finish_runs)
    done = []
    recorder = outcomes.OutcomeRecorder(done.extend)
    recorder.start()
    for i in range(5):
        recorder.put(_outcome(str(i)))
    gate.set()
    recorder.stop()
    recorder.stop()  # idempotent
    assert sorted(done) == [str(i) for i in range(5)]
    assert sorted(i for b in batches for i in b) == sorted(done)
    assert len(batches) <= 2


def test_a_database_error_still_frees_the_runs(monkeypatch, caplog):
    def finish_runs(items):
        raise RuntimeError('database away')
    monkeypatch.setattr(db_api, 'finish_runs', finish_runs)
    done = []
    recorder = outcomes.OutcomeRecorder(done.extend)
    recorder.start()
    recorder.put(_outcome('a'))
    recorder.stop()
    assert done == ['a']
    assert 'Could not record the outcome of 1 runs' in caplog.text


def test_an_outcome_no_longer_ours_is_logged(monkeypatch, caplog):
    monkeypatch.setattr(db_api, 'finish_runs', lambda items: [])
    done = []
    recorder = outcomes.OutcomeRecorder(done.extend)
    recorder.start()
    recorder.put(_outcome('zombie'))
    recorder.stop()
    assert done == ['zombie']
    assert 'Run zombie finished after it was declared lost' in caplog.text



def _unreachable():
    return sa_exc.OperationalError(
        'UPDATE runs', {}, Exception('connection refused'))


def _record_one(monkeypatch, finish_runs, **options):
    """Hand one outcome to a recorder using ``finish_runs``; return the
    list of ids it is done with, once it is done."""
    monkeypatch.setattr(db_api, 'finish_runs', finish_runs)
    done = []
    recorder = outcomes.OutcomeRecorder(done.extend, **options)
    recorder.start()
    recorder.put(_outcome('a'))
    ms_fixtures.wait_for(lambda: done, 30, 'the outcome to be handled')
    recorder.stop()
    return done


def test_outcomes_wait_for_an_unreachable_database(monkeypatch, caplog):
    caplog.set_level('INFO')
    attempts = []

    def finish_runs(items):
        attempts.append([i['id'] for i in items])
        if len(attempts) < 3:
            raise _unreachable()
        return [i['id'] for i in items]
    done = _record_one(monkeypatch, finish_runs, retry_for=60,
                       pauses=(0.01, 0.02))
    assert done == ['a']
    assert attempts == [['a'], ['a'], ['a']]
    assert 'Database unreachable (OperationalError)' in caplog.text
    assert 'Database reachable again' in caplog.text
    assert 'Could not record' not in caplog.text


def test_outcomes_wait_only_so_long(monkeypatch, caplog):
    attempts = []

    def finish_runs(items):
        attempts.append(time.monotonic())
        raise db_exc.DBConnectionError('gone')
    done = _record_one(monkeypatch, finish_runs, retry_for=0.2,
                       pauses=(0.05, 0.05))
    assert done == ['a']
    assert len(attempts) >= 2
    assert attempts[-1] - attempts[0] < 5
    assert 'Could not record the outcome of 1 runs' in caplog.text


def test_other_errors_are_not_retried(monkeypatch):
    attempts = []

    def finish_runs(items):
        attempts.append(1)
        raise ValueError('bad outcome')
    done = _record_one(monkeypatch, finish_runs, retry_for=60)
    assert done == ['a'] and attempts == [1]


def test_stop_gives_up_at_once_on_an_unreachable_database(monkeypatch):
    def finish_runs(items):
        raise db_exc.DBConnectionError('gone')
    monkeypatch.setattr(db_api, 'finish_runs', finish_runs)
    done = []
    recorder = outcomes.OutcomeRecorder(done.extend, retry_for=3600,
                                        pauses=(3600, 3600))
    recorder.start()
    recorder.put(_outcome('a'))
    started = time.monotonic()
    recorder.stop()
    assert done == ['a']
    assert time.monotonic() - started < 30
