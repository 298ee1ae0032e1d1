"""Tests of the recorder of run outcomes."""

import datetime
import threading

from migrator_scheduler.db import api as db_api
from migrator_scheduler.executor import outcomes

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
