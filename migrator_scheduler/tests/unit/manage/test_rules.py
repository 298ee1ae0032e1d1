"""Tests of ``migrator-scheduler-manage rule``."""

import datetime
import io
import json
import uuid

import pytest
import yaml

from migrator_scheduler.db import api as db_api
from migrator_scheduler.manage import rule_support
from migrator_scheduler.rules import drivers
from migrator_scheduler.tests.unit.manage import helpers
from migrator_scheduler.tests.unit.rules import test_limits

NOW = helpers.NOW
CREATE = helpers.CREATE
UTC = datetime.timezone.utc

pytestmark = pytest.mark.usefixtures('sqlite_db', 'fixed_now')

RULES_YAML = """\
rules:
- name: a
  project_id: demo
  job: {type: noop, args: {record: /tmp/a.log}}
  trigger: {kind: cron, expression: '0 2 * * *', timezone: Asia/Shanghai}
- name: b
  project_id: demo
  description: second
  job: {type: sleep, args: {seconds: 2}}
  trigger: {kind: interval, expression: 15s,
            start_at: '2029-06-01T00:00:00+08:00'}
  misfire_policy: fire_all
  misfire_grace_time: 30
- name: c
  job: {type: noop}
  trigger: {kind: oneshot, expression: '2099-01-01T09:00:00',
            timezone: Europe/Berlin}
  paused: true
"""


@pytest.fixture
def rules_file(tmp_path):
    path = tmp_path / 'rules.yaml'
    path.write_text(RULES_YAML)
    return str(path)


_ok = helpers.ok
_fails = helpers.fails


def test_job_args_are_checked_by_the_driver(run):
    _fails(run(*CREATE, '--job-args', '{"record": "/tmp/x", "n": null}'),
           'job.args.n: unknown field')
    _fails(run(*CREATE, '--job-type', 'sleep', '--job-args',
               '{"seconds": "ten"}'),
           "job.args.seconds: 'ten' is not of type 'number'")
    assert db_api.list_rules() == []


def test_create_prints_id(run):
    rule_id = _ok(run(*CREATE, '--job-args', '{"record": "/tmp/x"}',
                      '--description', 'web', '--misfire-policy', 'skip',
                      '--misfire-grace-time', '5')).strip()
    rule = db_api.get_rule(str(uuid.UUID(rule_id)))
    assert rule['project_id'] == 'demo'
    assert rule['job_args'] == {'record': '/tmp/x'}
    assert rule['misfire_policy'] == 'skip'
    assert rule['misfire_grace_time'] == 5
    assert rule['timezone'] == 'UTC'
    assert rule['next_fire_at'] == NOW.replace(second=10)


def test_create_paused(run):
    rule_id = _ok(run(*CREATE, '--paused')).strip()
    rule = db_api.get_rule(rule_id)
    assert rule['paused'] is True
    assert rule['next_fire_at'] is None


def test_create_with_bounds(run):
    rule_id = _ok(run(*CREATE, '--start-at', '2030-02-01T08:00:00+08:00',
                      '--end-at', '2030-03-01T00:00:00Z')).strip()
    rule = db_api.get_rule(rule_id)
    assert rule['start_at'] == datetime.datetime(2030, 2, 1, tzinfo=UTC)
    assert rule['next_fire_at'] == rule['start_at']


@pytest.mark.parametrize('extra, message', [
    (('--timezone', 'Mars/Base'), "trigger.timezone: unknown timezone"),
    (('--job-args', '{not json'), 'job.args: not valid JSON'),
    (('--job-args', '[1]'), 'job.args: must be a mapping'),
    (('--start-at', '2030-01-01T00:00:00'), 'trigger.start_at: needs a UTC'),
    (('--misfire-policy', 'often'), 'misfire_policy:'),
])
def test_create_invalid(run, extra, message):
    _fails(run(*CREATE, *extra), message)
    assert db_api.count_rules() == 0


@pytest.mark.parametrize('args, message', [
    ('[' * 30 + ']' * 30, 'job.args: must be a mapping, not a list'),
    ('[' * 1000 + ']' * 1000, 'job.args: nested more than 32 levels deep'),
    ('{"a":' * 1000 + '1' + '}' * 1000,
     'job.args: nested more than 32 levels deep'),
    ('{"a":' * 100000 + '1' + '}' * 100000,
     'job.args: nested more than 32 levels deep'),
    (json.dumps({'x': 'y' * 70000}), 'job.args: larger than 64 KiB as JSON'),
])
def test_create_with_oversized_job_args(run, args, message):
    err = _fails(run(*CREATE, '--job-args', args), message)
    assert err.count('\n') == 1
    assert db_api.count_rules() == 0


def test_import_alias_bomb(run, tmp_path):
    path = tmp_path / 'lol.yaml'
    path.write_text(test_limits.BILLION_LAUGHS)
    err = _fails(run('rule', 'import', str(path)),
                 f'{path}: item 1 (line 1): rule document: with its aliases '
                 f'written out it is larger than 1 MiB')
    assert err.count('\n') == 1
    assert db_api.count_rules() == 0


def test_import_deeply_nested_json(run, tmp_path):
    path = tmp_path / 'deep.json'
    path.write_text('[' * 100000 + ']' * 100000)
    _fails(run('rule', 'import', str(path)), f'{path}: nested too deeply')


def test_create_invalid_expression(run):
    argv = list(CREATE)
    argv[argv.index('10s')] = 'often'
    _fails(run(*argv), 'trigger.expression:')


def test_create_unknown_job_type(run, monkeypatch):
    monkeypatch.setattr(drivers, 'installed_job_types',
                        lambda: frozenset({'noop', 'sleep'}))
    argv = list(CREATE)
    argv[argv.index('noop')] = 'snapshot'
    _fails(run(*argv), "job.type: unknown job type 'snapshot'")


def test_create_duplicate(run):
    _ok(run(*CREATE))
    _fails(run(*CREATE), 'rule demo/web01 already exists')
    assert db_api.count_rules() == 1


def test_missing_required_argument_is_a_usage_error(run):
    with pytest.raises(SystemExit) as info:
        run('rule', 'create', '--name', 'x')
    assert info.value.code == 2


def test_list_formats(run):
    rule_id = _ok(run(*CREATE)).strip()
    table = _ok(run('rule', 'list'))
    assert 'web01' in table and rule_id in table
    [rule] = json.loads(_ok(run('rule', 'list', '--format', 'json')))
    assert rule['id'] == rule_id
    assert rule['next_fire_at'] == '2030-01-01T00:00:10+00:00'
    [rule] = yaml.safe_load(_ok(run('rule', 'list', '--format', 'yaml')))
    assert rule['name'] == 'web01'


def test_list_by_project(run):
    _ok(run(*CREATE))
    assert json.loads(_ok(run('rule', 'list', '--project-id', 'other',
                              '--format', 'json'))) == []


def test_list_pages_through_everything(run, monkeypatch):
    monkeypatch.setattr(rule_support, 'PAGE', 2)
    for name in 'abcde':
        _ok(run('rule', 'create', '--name', name, '--job-type', 'noop',
                '--trigger-kind', 'interval', '--expression', '1m'))
    rules = json.loads(_ok(run('rule', 'list', '--format', 'json')))
    assert sorted(r['name'] for r in rules) == list('abcde')


def test_show(run):
    rule_id = _ok(run(*CREATE)).strip()
    assert rule_id in _ok(run('rule', 'show', rule_id))
    rule = json.loads(_ok(run('rule', 'show', rule_id, '--format', 'json')))
    assert rule['name'] == 'web01'
    assert rule['version'] == 1


@pytest.mark.parametrize('command', ['show', 'delete', 'pause', 'resume'])
def test_missing_rule(run, command):
    _fails(run('rule', command, 'nope'), 'rule nope not found')


def test_delete(run):
    rule_id = _ok(run(*CREATE)).strip()
    assert rule_id in _ok(run('rule', 'delete', rule_id))
    assert db_api.count_rules() == 0


def test_pause_and_resume(run, monkeypatch):
    rule_id = _ok(run(*CREATE)).strip()
    _ok(run('rule', 'pause', rule_id))
    rule = db_api.get_rule(rule_id)
    assert (rule['paused'], rule['next_fire_at']) == (True, None)
    later = NOW + datetime.timedelta(hours=1)
    monkeypatch.setattr(rule_support, 'now', lambda: later)
    out = _ok(run('rule', 'resume', rule_id))
    rule = db_api.get_rule(rule_id)
    assert rule['paused'] is False
    assert rule['next_fire_at'] == later.replace(second=10)
    assert rule['next_fire_at'].isoformat() in out


def test_pause_and_resume_are_idempotent(run):
    rule_id = _ok(run(*CREATE)).strip()
    assert 'is not paused' in _ok(run('rule', 'resume', rule_id))
    _ok(run('rule', 'pause', rule_id))
    assert 'already paused' in _ok(run('rule', 'pause', rule_id))
    assert db_api.get_rule(rule_id)['version'] == 2


def test_resume_exhausted_trigger(run, monkeypatch):
    rule_id = _ok(run(*CREATE, '--end-at', '2030-01-01T00:00:25Z')).strip()
    _ok(run('rule', 'pause', rule_id))
    later = NOW + datetime.timedelta(minutes=1)
    monkeypatch.setattr(rule_support, 'now', lambda: later)
    assert 'will not fire again' in _ok(run('rule', 'resume', rule_id))
    assert db_api.get_rule(rule_id)['next_fire_at'] is None


def test_import(run, rules_file):
    assert _ok(run('rule', 'import', rules_file)) == 'Imported 3 rules\n'
    b = db_api.find_rule('demo', 'b')
    assert b['job_args'] == {'seconds': 2}
    assert b['start_at'] == datetime.datetime(2029, 5, 31, 16, tzinfo=UTC)
    assert b['next_fire_at'] == datetime.datetime(2030, 1, 1, 0, 0, 15,
                                                  tzinfo=UTC)
    assert db_api.find_rule('default', 'c')['next_fire_at'] is None


def test_import_existing_without_replace(run, rules_file):
    _ok(run('rule', 'import', rules_file))
    before = db_api.list_rules()
    _fails(run('rule', 'import', rules_file),
           'rules already exist: default/c, demo/a, demo/b; nothing was '
           'imported (use --replace to update them)')
    assert db_api.list_rules() == before


def test_import_replace(run, rules_file, tmp_path):
    _ok(run('rule', 'import', rules_file))
    a = db_api.find_rule('demo', 'a')
    changed = tmp_path / 'changed.yaml'
    changed.write_text(RULES_YAML.replace("'0 2 * * *'", "'0 3 * * *'")
                       + '- {name: d, job: {type: noop}, trigger: '
                       '{kind: interval, expression: 1h}}\n')
    out = _ok(run('rule', 'import', str(changed), '--replace'))
    assert out == 'Imported 4 rules: 1 created, 1 updated, 2 unchanged\n'
    updated = db_api.find_rule('demo', 'a')
    assert updated['id'] == a['id']
    assert updated['trigger_expr'] == '0 3 * * *'
    assert updated['version'] == a['version'] + 1
    assert db_api.find_rule('demo', 'b')['version'] == 1
    assert db_api.count_rules() == 4


def test_import_invalid_file_changes_nothing(run, tmp_path):
    items = [f'- {{name: r{i}, job: {{type: noop}}, trigger: '
             f'{{kind: interval, expression: 5m}}}}' for i in range(1000)]
    items[616] = ('- {name: bad, job: {type: noop}, trigger: {kind: cron, '
                  'expression: "* * * * *", timezone: Mars/Base}}')
    path = tmp_path / 'big.yaml'
    path.write_text('\n'.join(items) + '\n')
    err = _fails(run('rule', 'import', str(path)),
                 "item 617 (line 617): trigger.timezone: unknown timezone "
                 "'Mars/Base'")
    assert err.count('\n') == 1
    assert db_api.count_rules() == 0


def test_import_from_stdin(run, monkeypatch):
    document = {'rules': [{'name': 'x', 'job': {'type': 'noop'},
                           'trigger': {'kind': 'interval',
                                       'expression': '30s'}}]}
    monkeypatch.setattr('sys.stdin', io.StringIO(json.dumps(document)))
    _ok(run('rule', 'import', '-', '--format', 'json'))
    assert db_api.find_rule('default', 'x')['trigger_expr'] == '30s'


def test_import_stdin_needs_format(run):
    _fails(run('rule', 'import', '-'), 'cannot tell the format')


def test_import_missing_file(run, tmp_path):
    _fails(run('rule', 'import', str(tmp_path / 'nope.yaml')),
           'nope.yaml: No such file')


def test_export_import_round_trip(run, rules_file, tmp_path):
    _ok(run('rule', 'import', rules_file))
    before = db_api.list_rules()
    exported = _ok(run('rule', 'export'))
    documents = yaml.safe_load(exported)['rules']
    assert [d['name'] for d in documents] == ['c', 'a', 'b']
    path = tmp_path / 'export.yaml'
    path.write_text(exported)
    assert _ok(run('rule', 'import', str(path), '--replace')) == (
        'Imported 3 rules: 0 created, 0 updated, 3 unchanged\n')
    assert db_api.list_rules() == before
    assert _ok(run('rule', 'export')) == exported


def test_export_json_to_file(run, rules_file, tmp_path):
    _ok(run('rule', 'import', rules_file))
    path = tmp_path / 'out.json'
    out = _ok(run('rule', 'export', '--project-id', 'demo', '--format',
                  'json', '--output', str(path)))
    assert out == f'Exported 2 rules to {path}\n'
    documents = json.loads(path.read_text())['rules']
    assert [d['name'] for d in documents] == ['a', 'b']
    db_api.delete_rule(db_api.find_rule('demo', 'a')['id'])
    _ok(run('rule', 'import', str(path), '--replace'))
    assert db_api.find_rule('demo', 'a')['job_args'] == {
        'record': '/tmp/a.log'}


def test_bucket_count_change_is_refused(run):
    db_api.ensure_num_buckets(7)
    _fails(run(*CREATE), 'num_buckets is 1024')
    assert db_api.count_rules() == 0
