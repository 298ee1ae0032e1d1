"""Tests of the run ledger: finding runs, purging them, the purge claim."""

from __future__ import annotations

import datetime
import uuid

from oslo_db import exception as db_exc
import pytest
import sqlalchemy as sa

from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import ledger
from migrator_scheduler.db import models
from migrator_scheduler import exception
from migrator_scheduler.tests.unit.db import test_api as helpers

UTC = datetime.timezone.utc
NOW = datetime.datetime(2030, 1, 1, 0, 0, 3, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures('sqlite_db')


def days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def add_rule(name: str, project_id: str = 'demo') -> str:
    [rule_id] = db_api.create_rules([helpers._rule(name, project_id)])
    return rule_id


def add_run(rule_id: str, scheduled_for: datetime.datetime,
            state: str = 'succeeded', attempts: int = 0, **values) -> str:
    """Insert a run (and ``attempts`` earlier attempts) as it would be
    once it reached ``state``: a final run started a second late and
    ran two seconds."""
    run = {'id': str(uuid.uuid4()), 'rule_id': rule_id, 'bucket': 3,
           'scheduled_for': scheduled_for, 'state': state,
           'attempt': attempts + 1, 'created_at': scheduled_for}
    if state != 'pending':
        run.update(executor_host='host-a',
                   started_at=scheduled_for + datetime.timedelta(
                       seconds=1.25))
    if state in models.FINAL_RUN_STATES:
        run['finished_at'] = scheduled_for + datetime.timedelta(
            seconds=3.25)
    run.update(values)
    with db_api.get_engine().begin() as conn:
        conn.execute(models.runs.insert().values(**run))
        for number in range(1, attempts + 1):
            conn.execute(models.run_attempts.insert().values(
                run_id=run['id'], attempt=number, state='failed',
                executor_host=f'host-{number}', started_at=scheduled_for,
                finished_at=scheduled_for, error=f'boom {number}'))
    return run['id']


def count(table: sa.Table) -> int:
    with db_api.get_engine().connect() as conn:
        return conn.execute(
            sa.select(sa.func.count()).select_from(table)).scalar()


@pytest.fixture
def ledger_runs(sqlite_db):
    """Two rules of two projects, a run a day for five days each, and a
    pending and a running run of the first."""
    a, b = add_rule('a'), add_rule('b', project_id='other')
    runs = {}
    for day in range(1, 6):
        runs['a', day] = add_run(a, days_ago(day))
        runs['b', day] = add_run(b, days_ago(day) + datetime.timedelta(
            hours=1), state='failed')
    runs['pending'] = add_run(a, NOW, state='pending')
    runs['running'] = add_run(a, days_ago(10), state='running')
    return a, b, runs


def test_find_runs_newest_first_with_rule_names(ledger_runs):
    found = db_api.find_runs()
    assert len(found) == 12
    times = [run['scheduled_for'] for run in found]
    assert times == sorted(times, reverse=True)
    assert found[0]['rule_name'] == 'a' and found[0]['state'] == 'pending'
    assert found[1]['rule_name'] == 'b'
    assert found[1]['project_id'] == 'other'


def test_find_runs_filters(ledger_runs):
    a, b, runs = ledger_runs
    assert {r['rule_id'] for r in db_api.find_runs(rule_id=b)} == {b}
    assert len(db_api.find_runs(project_id='demo')) == 7
    assert {r['id'] for r in db_api.find_runs(
        states={'pending', 'running'})} == {runs['pending'],
                                            runs['running']}
    window = db_api.find_runs(since=days_ago(3), until=days_ago(1))
    # since is inclusive, until exclusive.
    assert [r['id'] for r in window] == [
        runs['b', 2], runs['a', 2], runs['b', 3], runs['a', 3]]
    assert db_api.find_runs(rule_id=a, states={'failed'}) == []


def test_find_runs_pages_with_a_marker(ledger_runs):
    a, _, _ = ledger_runs
    # Two runs at the same nominal time: ties are ordered by id.
    c = add_rule('c')
    add_run(c, days_ago(1))
    everything = [r['id'] for r in db_api.find_runs(limit=1000)]
    pages, marker = [], None
    while True:
        page = db_api.find_runs(limit=4, marker=marker)
        pages.extend(r['id'] for r in page)
        if len(page) < 4:
            break
        marker = page[-1]['id']
    assert pages == everything
    assert len(set(pages)) == 13


def test_find_runs_unknown_marker():
    with pytest.raises(exception.RunNotFound, match='run nope not found'):
        db_api.find_runs(marker='nope')


def test_get_run(ledger_runs):
    _, _, runs = ledger_runs
    run = db_api.get_run(runs['b', 1])
    assert run['rule_name'] == 'b' and run['state'] == 'failed'
    with pytest.raises(exception.RunNotFound):
        db_api.get_run('nope')


def test_purge_deletes_only_final_runs_finished_before(ledger_runs):
    _, _, runs = ledger_runs
    cutoff = days_ago(2.5)
    assert db_api.count_purgeable_runs(cutoff) == 6
    assert db_api.purge_runs(cutoff) == 6
    left = {r['id'] for r in db_api.find_runs()}
    assert left == {runs[key] for key in [
        ('a', 1), ('a', 2), ('b', 1), ('b', 2), 'pending', 'running']}


def test_purge_never_deletes_pending_or_running(ledger_runs):
    _, _, runs = ledger_runs
    assert db_api.purge_runs(NOW + datetime.timedelta(days=1),
                             states=models.RUN_STATES) == 10
    assert {r['state'] for r in db_api.find_runs()} == {'pending',
                                                       'running'}


def test_purge_of_some_states(ledger_runs):
    assert db_api.purge_runs(NOW, states={'failed'}) == 5
    assert {r['state'] for r in db_api.find_runs()} == {
        'succeeded', 'pending', 'running'}


def test_purge_in_bounded_batches(ledger_runs):
    assert db_api.purge_runs(NOW, batch_size=3, max_batches=2) == 6
    # Oldest finish first.
    assert max(r['finished_at'] for r in db_api.find_runs(
        states=models.FINAL_RUN_STATES)) < days_ago(0.9)
    assert db_api.purge_runs(NOW, batch_size=3) == 4
    assert db_api.count_purgeable_runs(NOW) == 0


def test_purge_stops_when_told(ledger_runs):
    class Stopped:
        def is_set(self):
            return True
    assert db_api.purge_runs(NOW, stop=Stopped()) == 0


def test_purge_takes_the_attempts_along():
    a = add_rule('a')
    old = add_run(a, days_ago(5), attempts=2)
    new = add_run(a, days_ago(1), attempts=1)
    assert count(models.run_attempts) == 3
    assert db_api.purge_runs(days_ago(2)) == 1
    assert count(models.run_attempts) == 1
    assert db_api.list_attempts(old) == []
    assert len(db_api.list_attempts(new)) == 1


def test_sqlite_enforces_the_cascade():
    with db_api.get_engine().connect() as conn:
        assert conn.exec_driver_sql('PRAGMA foreign_keys').scalar() == 1


def _stored_purge_time() -> str | None:
    return db_api.get_deployment_value(ledger.LAST_PURGE_KEY)


def _set_stored_purge_time(value: str) -> None:
    table = models.deployment
    with db_api.get_engine().begin() as conn:
        conn.execute(table.update().where(
            table.c.name == ledger.LAST_PURGE_KEY).values(value=value))


def test_one_purge_claim_per_interval():
    first = db_api.claim_purge(3600)
    assert first.won and first.wait == 3600
    second = db_api.claim_purge(3600)
    assert not second.won
    assert 3590 < second.wait <= 3600
    assert _stored_purge_time() == first.now.isoformat()
    # An interval later, the next caller wins, once.
    _set_stored_purge_time(
        (first.now - datetime.timedelta(hours=1)).isoformat())
    assert db_api.claim_purge(3600).won
    assert not db_api.claim_purge(3600).won


def test_a_lost_swap_is_no_claim(monkeypatch):
    db_api.claim_purge(60)
    _set_stored_purge_time('2000-01-01T00:00:00+00:00')
    real_execute = sa.orm.Session.execute

    def swapped_meanwhile(session, statement, *args, **kwargs):
        # Another scheduler's swap commits between our read and write.
        if getattr(statement, 'is_update', False):
            session.connection().execute(
                models.deployment.update().values(value='someone else'))
        return real_execute(session, statement, *args, **kwargs)

    monkeypatch.setattr(sa.orm.Session, 'execute', swapped_meanwhile)
    assert not db_api.claim_purge(60).won


def test_a_lost_first_insert_is_no_claim(monkeypatch):
    def inserted_meanwhile(interval):
        raise db_exc.DBDuplicateEntry(['name'])
    monkeypatch.setattr(ledger, '_claim_purge', inserted_meanwhile)
    assert not db_api.claim_purge(60).won


@pytest.mark.parametrize('stored', [
    'garbage', (NOW + datetime.timedelta(days=3650)).isoformat()])
def test_an_unreadable_or_future_purge_time_is_due(stored):
    db_api.claim_purge(60)
    _set_stored_purge_time(stored)
    assert db_api.claim_purge(60).won


def test_a_pass_recorded_a_moment_ahead_of_our_clock_is_not_due():
    """A competitor won with a reading of the clock a little later than
    ours: that is its pass of this interval, not a clock set back."""
    db_api.claim_purge(60)
    ahead = datetime.datetime.now(datetime.timezone.utc) + \
        datetime.timedelta(seconds=5)
    _set_stored_purge_time(ahead.isoformat())
    assert not db_api.claim_purge(60).won
