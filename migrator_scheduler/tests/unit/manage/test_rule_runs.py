"""``rule run`` (run now, deduplicated) and ``rule backfill``."""

import datetime

import pytest

from migrator_scheduler.db import admission
from migrator_scheduler.db import api as db_api
from migrator_scheduler.manage import rule_support
from migrator_scheduler.tests.unit.manage import helpers

pytestmark = pytest.mark.usefixtures('sqlite_db', 'fixed_now')
NOW = helpers.NOW
HOURLY = ('rule', 'create', '--name', 'hourly', '--project-id', 'demo',
          '--job-type', 'noop', '--trigger-kind', 'cron', '--expression',
          '0 * * * *')


def _rule(run):
    return helpers.ok(run(*HOURLY)).split()[0]


def _runs():
    return sorted(db_api.list_runs(limit=1000),
                  key=lambda r: r['scheduled_for'])


def test_run_now_creates_a_run_due_now(run):
    rule_id = _rule(run)
    run_id = helpers.ok(run('rule', 'run', rule_id)).strip()
    [stored] = _runs()
    assert stored['id'] == run_id
    assert (stored['state'], stored['reason'], stored['scheduled_for'],
            stored['retry_at']) == ('pending', 'manual', NOW, NOW)
    # Cast by the next sweep, as a retry due now.
    assert [r['id'] for r in db_api.runs_to_dispatch(
        None, undispatched_before=NOW - datetime.timedelta(seconds=5),
        dispatched_before=NOW, limit=10, retry_before=NOW)] == [run_id]


def test_the_same_key_runs_once(run, monkeypatch):
    rule_id = _rule(run)
    first = helpers.ok(run('rule', 'run', 'demo/hourly', '--key', 'click-1'))
    later = NOW + datetime.timedelta(seconds=1)
    monkeypatch.setattr(rule_support, 'now', lambda: later)
    code, out, err = run('rule', 'run', rule_id, '--key', 'click-1')
    assert code == 0 and out == first
    assert "key 'click-1' was used already" in err
    helpers.ok(run('rule', 'run', rule_id, '--key', 'click-2'))
    assert len(_runs()) == 2


def test_backfill_creates_the_missing_fire_times(run):
    rule_id = _rule(run)
    since = (NOW - datetime.timedelta(hours=5)).isoformat()
    until = NOW.isoformat()
    assert helpers.ok(run('rule', 'backfill', rule_id, '--from', since,
                          '--to', until, '--dry-run')) == \
        'Would create up to 5 runs\n'
    assert _runs() == []
    out = helpers.ok(run('rule', 'backfill', rule_id, '--from', since,
                         '--to', until))
    assert out.startswith('Created 5 runs (0 existed already)')
    runs = _runs()
    assert [r['state'] for r in runs] == ['waiting'] * 5
    assert {r['reason'] for r in runs} == {'overlap: backfill'}
    assert helpers.ok(run('rule', 'backfill', rule_id, '--from', since,
                          '--to', until)).startswith(
        'Created 0 runs (5 existed already)')
    # They start one at a time, oldest first.
    defaults = admission.Defaults()
    [first] = db_api.promote_waiting(None, NOW, 100, defaults)
    assert first['scheduled_for'] == runs[0]['scheduled_for']
    assert db_api.promote_waiting(None, NOW, 100, defaults) == []


@pytest.mark.parametrize('args, message', [
    (('--from', '2020-01-01T00:00:00Z', '--to', '2020-03-01T00:00:00Z'),
     '--max: the range holds more than 100 fire times'),
    (('--from', '2029-12-31T00:00:00Z', '--to', '2031-01-01T00:00:00Z'),
     '--to: 2031-01-01T00:00:00+00:00 is in the future'),
    (('--from', '2029-12-31T05:00:00Z', '--to', '2029-12-31T01:00:00Z'),
     '--from: must be before --to'),
    (('--from', 'yesterday', '--to', '2029-12-31T01:00:00Z'),
     '--from:'),
    (('--from', '2029-12-31T00:00:00Z', '--to', '2029-12-31T01:00:00Z',
      '--max', '5000'), '--max: must be from 1 to 1000'),
])
def test_bad_backfills_create_nothing(run, args, message):
    rule_id = _rule(run)
    helpers.fails(run('rule', 'backfill', rule_id, *args), message)
    assert _runs() == []


def test_run_of_an_unknown_rule(run):
    helpers.fails(run('rule', 'run', 'nope'), 'nope')
