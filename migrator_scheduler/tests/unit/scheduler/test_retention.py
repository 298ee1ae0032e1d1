"""The schedulers' background purge of old runs."""

import datetime
import logging
import time

import pytest

from migrator_scheduler import conf as ms_conf
from migrator_scheduler.db import api as db_api
from migrator_scheduler.scheduler import retention
from migrator_scheduler.tests.unit.db import test_ledger as data

CONF = ms_conf.CONF


@pytest.fixture
def old_runs(sqlite_db):
    """Runs finished 40, 20 and 10 days ago (by the database's clock),
    and a run still running since 50 days."""
    now = db_api.database_time()
    rule_id = data.add_rule('a')
    for days in (40, 20, 10):
        data.add_run(rule_id, now - datetime.timedelta(days=days),
                     attempts=1)
    data.add_run(rule_id, now - datetime.timedelta(days=50),
                 state='running')
    yield now
    CONF.clear_override('run_retention_days', group='scheduler')


def _states() -> list[str]:
    return sorted(run['state'] for run in db_api.find_runs())


def test_one_of_two_schedulers_purges_per_interval(old_runs, caplog):
    CONF.set_override('run_retention_days', 15, group='scheduler')
    first, second = retention.RunPurger(CONF), retention.RunPurger(CONF)
    with caplog.at_level(logging.INFO, logger=retention.__name__):
        assert first.purge_once() == CONF.scheduler.purge_interval
        wait = second.purge_once()
    assert (first.purged, second.purged) == (2, 0)
    assert 0 < wait <= CONF.scheduler.purge_interval
    assert _states() == ['running', 'succeeded']
    assert data.count(data.models.run_attempts) == 1
    [message] = [r.getMessage() for r in caplog.records]
    assert message.startswith('Purged 2 runs finished before ')
    # Nor does the winner purge again within the interval.
    assert first.purge_once() <= CONF.scheduler.purge_interval
    assert first.purged == 2


def test_a_pass_is_bounded(old_runs, monkeypatch, caplog):
    monkeypatch.setattr(retention, 'BATCH_SIZE', 1)
    monkeypatch.setattr(retention, 'MAX_BATCHES', 2)
    CONF.set_override('run_retention_days', 1, group='scheduler')
    with caplog.at_level(logging.INFO, logger=retention.__name__):
        retention.RunPurger(CONF).purge_once()
    assert _states() == ['running', 'succeeded']
    assert 'More runs finished before' in caplog.text


def test_nothing_runs_when_runs_are_kept_for_ever(old_runs):
    CONF.set_override('run_retention_days', 0, group='scheduler')
    purger = retention.RunPurger(CONF)
    purger.start()
    assert purger._thread is None
    purger.stop()


def test_the_thread_purges_and_survives_errors(old_runs, monkeypatch):
    CONF.set_override('run_retention_days', 15, group='scheduler')
    monkeypatch.setattr(retention, '_RETRY_AFTER', 0.01)
    real_claim, calls = db_api.claim_purge, []

    def failing_once(interval):
        calls.append(interval)
        if len(calls) == 1:
            raise RuntimeError('boom')
        return real_claim(interval)

    monkeypatch.setattr(db_api, 'claim_purge', failing_once)
    purger = retention.RunPurger(CONF)
    purger.start()
    try:
        deadline = time.monotonic() + 10
        while purger.purged < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        started = time.monotonic()
        purger.stop()
    assert purger.purged == 2 and len(calls) == 2
    # It was waiting for the next interval, and stopped at once.
    assert time.monotonic() - started < 1
