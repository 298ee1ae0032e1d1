"""Tests of ``migrator-scheduler-manage run``."""

import datetime
import json
import re

import pytest
import yaml

from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import models
from migrator_scheduler.tests.unit.db import test_ledger as data
from migrator_scheduler.tests.unit.manage import helpers

pytestmark = pytest.mark.usefixtures('sqlite_db', 'fixed_now')

_ok = helpers.ok
_fails = helpers.fails
ledger_runs = data.ledger_runs


def _listed(out: str) -> list[dict]:
    return json.loads(out)


def test_list_table_has_the_ledger_columns(run, ledger_runs):
    _, _, runs = ledger_runs
    out = _ok(run('run', 'list'))
    lines = out.splitlines()
    assert [cell.strip() for cell in lines[1].split('|')[1:-1]] == [
        'ID', 'Rule', 'Nominal time (UTC)', 'State', 'Reason', 'Attempt',
        'Executor', 'Lag (s)', 'Duration (s)']
    # Header, separators, and one line per run.
    assert len(lines) == 4 + 12
    row = next(line for line in lines if runs['a', 1] in line)
    assert '| a ' in row and '| succeeded ' in row
    assert '| 1.250 ' in row and '| 2.000 ' in row


def test_list_json_has_every_column_with_lag_and_duration(run, ledger_runs):
    _, _, runs = ledger_runs
    listed = _listed(_ok(run('run', 'list', '--format', 'json')))
    assert listed[0]['id'] == runs['pending']
    assert listed[0]['lag'] is None and listed[0]['duration'] is None
    first = next(r for r in listed if r['id'] == runs['a', 1])
    assert first['lag'] == 1.25 and first['duration'] == 2.0
    assert first['rule_name'] == 'a' and first['project_id'] == 'demo'
    assert set(models.runs.c.keys()) <= set(first)


def test_list_yaml(run, ledger_runs):
    code, out, err = run('run', 'list', '--format', 'yaml', '--limit', '2')
    listed = yaml.safe_load(out)
    assert [r['state'] for r in listed] == ['pending', 'failed']
    # The hint for the next page is not in the YAML document.
    assert err == f'More runs may follow: --marker {listed[-1]["id"]}\n'


def test_list_filters(run, ledger_runs):
    a, b, runs = ledger_runs

    def ids(*args):
        code, out, err = run('run', 'list', '--format', 'json', *args)
        assert code == 0, err
        return [r['id'] for r in json.loads(out)]

    assert len(ids('--rule', a)) == 7
    assert ids('--rule', 'other/b') == ids('--rule', b)
    assert len(ids('--rule', 'other/b')) == 5
    assert len(ids('--project', 'other')) == 5
    assert len(ids('--project-id', 'demo')) == 7
    assert set(ids('--state', 'pending,running')) == {runs['pending'],
                                                      runs['running']}
    assert set(ids('--state', 'pending', '--state', 'running')) == {
        runs['pending'], runs['running']}
    assert ids('--since', data.days_ago(2).isoformat(),
               '--until', '2029-12-31T00:00:03Z', '--rule', 'demo/a') == [
        runs['a', 2]]


def test_list_pages_with_a_marker(run, ledger_runs):
    code, out, err = run('run', 'list', '--format', 'json', '--limit', '5')
    first = json.loads(out)
    assert err.strip() == f'More runs may follow: --marker {first[-1]["id"]}'
    rest = _listed(_ok(run('run', 'list', '--format', 'json',
                           '--marker', first[-1]['id'])))
    assert len(rest) == 7
    assert [r['id'] for r in first + rest] == [
        r['id'] for r in db_api.find_runs()]


@pytest.mark.parametrize('args, message', [
    (('--state', 'done'), "--state: 'done' is not a run state; expected "
     "one of: pending, waiting, running, succeeded"),
    (('--since', 'yesterday'), "--since: 'yesterday' is not an ISO 8601 "
     "date-time"),
    (('--until', '2030-01-01T00:00:00'), '--until: needs a UTC offset'),
    (('--limit', '0'), '--limit: must be from 1 to 10000'),
    (('--limit', '10001'), '--limit: must be from 1 to 10000'),
    (('--marker', 'nope'), 'run nope not found'),
    (('--rule', 'demo/missing'), 'rule demo/missing not found'),
    (('--rule', 'missing'), 'rule missing not found'),
])
def test_list_bad_input(run, args, message):
    err = _fails(run('run', 'list', *args), message)
    assert len(err.strip().splitlines()) == 1


def test_show_with_every_attempt(run):
    rule_id = data.add_rule('a')
    run_id = data.add_run(rule_id, data.days_ago(1), attempts=2,
                          error='last one')
    out = _ok(run('run', 'show', run_id))
    assert re.search(r'\| rule_name +\| a ', out)
    assert re.search(r'\| lag +\| 1\.250 ', out)
    assert re.search(r'\| duration +\| 2\.000 ', out)
    attempts = out.split(f'Attempts of run {run_id}:')[1]
    assert [line.split('|')[1].strip() for line in attempts.splitlines()
            if line.startswith('| ')] == ['Attempt', '1', '2', '3']
    assert 'boom 2' in attempts and 'last one' in attempts

    shown = json.loads(_ok(run('run', 'show', run_id, '--format', 'json')))
    assert shown['project_id'] == 'demo' and shown['lag'] == 1.25
    assert [(a['attempt'], a['state'], a['executor_host'])
            for a in shown['attempts']] == [
        (1, 'failed', 'host-1'), (2, 'failed', 'host-2'),
        (3, 'succeeded', 'host-a')]
    assert yaml.safe_load(_ok(run('run', 'show', run_id, '--format',
                                  'yaml')))['attempts'] == shown['attempts']


def test_show_unknown_run(run):
    err = _fails(run('run', 'show', 'nope'), 'run nope not found')
    assert err == 'ERROR: run nope not found\n'


def test_purge_dry_run_deletes_nothing(run, ledger_runs):
    out = _ok(run('run', 'purge', '--older-than', '2.5', '--dry-run'))
    assert out == ('Would delete 6 runs that finished before '
                   '2029-12-29T12:00:03+00:00\n')
    assert len(db_api.find_runs()) == 12


def test_purge(run, ledger_runs):
    _, _, runs = ledger_runs
    out = _ok(run('run', 'purge', '--older-than', '2.5', '--batch-size',
                  '4'))
    assert out.startswith('Deleted 6 runs that finished before ')
    assert len(db_api.find_runs()) == 6
    out = _ok(run('run', 'purge', '--older-than', '0', '--state', 'failed'))
    assert out.startswith('Deleted 2 runs')
    assert {r['id'] for r in db_api.find_runs()} == {
        runs['a', 1], runs['a', 2], runs['pending'], runs['running']}


def test_purge_takes_the_attempts_along(run):
    rule_id = data.add_rule('a')
    data.add_run(rule_id, data.days_ago(40), attempts=2)
    _ok(run('run', 'purge', '--older-than', '30'))
    assert data.count(models.run_attempts) == 0


@pytest.mark.parametrize('args, message', [
    (('--older-than', 'soon'), "--older-than: 'soon' is not a number of "
     "days"),
    (('--older-than', '-1'), '--older-than: '),
    (('--older-than', '1', '--state', 'running'),
     '--state: running runs are never purged; expected one of: succeeded'),
    (('--older-than', '1', '--state', 'gone'),
     "--state: 'gone' is not a run state"),
    (('--older-than', '1', '--batch-size', '0'),
     '--batch-size: must be from 1 to 10000'),
])
def test_purge_bad_input(run, ledger_runs, args, message):
    err = _fails(run('run', 'purge', *args), message)
    assert len(err.strip().splitlines()) == 1
    assert len(db_api.find_runs()) == 12


def test_run_commands_need_the_current_schema(run, empty_db):
    _fails(run('run', 'list'), 'run "migrator-scheduler-manage db sync"')


def test_lag_is_shown_to_the_millisecond(run):
    rule_id = data.add_rule('a')
    when = data.days_ago(1)
    data.add_run(rule_id, when, started_at=when + datetime.timedelta(
        microseconds=1600), finished_at=when + datetime.timedelta(
            seconds=61, microseconds=2600))
    [listed] = _listed(_ok(run('run', 'list', '--format', 'json')))
    assert (listed['lag'], listed['duration']) == (0.002, 61.001)
    assert '| 0.002 ' in _ok(run('run', 'list'))
