"""Rules that can never fire, and ids that belong to another rule."""

import datetime
import uuid

import pytest
import yaml

from migrator_scheduler.db import api as db_api
from migrator_scheduler.manage import rule_support
from migrator_scheduler.tests.unit.manage import helpers

pytestmark = pytest.mark.usefixtures('sqlite_db', 'fixed_now')

ONCE = ('rule', 'create', '--name', 'once', '--job-type', 'noop',
        '--trigger-kind', 'oneshot')
RULE_ID = '6c1d7d0e-93b5-4a39-9a39-bc3a6a4b6f11'


@pytest.mark.parametrize('argv, message', [
    (('--expression', '2029-12-31T00:00:00Z'),
     'ERROR: trigger.expression: 2029-12-31T00:00:00Z '
     '(2029-12-31T00:00:00+00:00) is in the past (now is '
     '2030-01-01T00:00:03+00:00): the rule would never fire'),
    (('--expression', '2030-06-01T00:00:00Z', '--paused',
      '--end-at', '2030-05-01T00:00:00Z'),
     'ERROR: trigger.end_at: 2030-05-01T00:00:00+00:00 is before the '
     'one-shot time'),
    (('--expression', '2030-06-01T00:00:00Z', '--trigger-kind', 'cron',
      '--expression', '@daily', '--end-at', '2029-01-01T00:00:00Z'),
     'ERROR: trigger.end_at: 2029-01-01T00:00:00+00:00 is in the past'),
])
def test_create_refuses_a_rule_that_never_fires(run, argv, message):
    helpers.fails(run(*ONCE, *argv), message)
    assert db_api.count_rules() == 0


def _write(path, *documents) -> str:
    path.write_text(yaml.safe_dump({'rules': list(documents)}))
    return str(path)


def _item(path: str, number: int) -> str:
    """Name item ``number`` of a rule file as errors do."""
    with open(path) as stream:
        starts = [n for n, line in enumerate(stream, 1)
                  if line.startswith('- ')]
    return f'{path}: item {number} (line {starts[number - 1]})'


def _once(when: str, **changes) -> dict:
    document = {'name': 'once', 'job': {'type': 'noop'},
                'trigger': {'kind': 'oneshot', 'expression': when}}
    document.update(changes)
    return document


def test_import_refuses_a_new_rule_that_never_fires(run, tmp_path):
    path = _write(tmp_path / 'r.yaml', _once('2030-01-02T00:00:00Z',
                                             name='later'),
                  _once('2029-01-01T00:00:00Z'))
    err = helpers.fails(run('rule', 'import', path, '--replace'),
                        f'ERROR: {_item(path, 2)}: '
                        f'trigger.expression: 2029-01-01T00:00:00Z')
    assert err.count('\n') == 1
    assert db_api.count_rules() == 0


def test_round_trip_after_a_one_shot_rule_fired(run, tmp_path,
                                                monkeypatch):
    helpers.ok(run(*ONCE, '--expression', '2030-01-01T00:01:00Z'))
    helpers.ok(run(*helpers.CREATE))
    exported = helpers.ok(run('rule', 'export'))
    # The one-shot time passes (and the rule fires).
    later = helpers.NOW + datetime.timedelta(hours=1)
    monkeypatch.setattr(rule_support, 'now', lambda: later)
    before = db_api.list_rules()
    path = tmp_path / 'backup.yaml'
    path.write_text(exported)
    # The unchanged rule is left alone, as every unchanged rule is.
    assert helpers.ok(run('rule', 'import', str(path), '--replace')) == (
        'Imported 2 rules: 0 created, 0 updated, 2 unchanged\n')
    assert db_api.list_rules() == before
    # Changing it, or creating it anew, would store a rule that never
    # fires.
    path.write_text(exported.replace('name: once', 'name: once\n'
                                     '  description: changed'))
    helpers.fails(run('rule', 'import', str(path), '--replace'),
                  f'{_item(str(path), 1)}: trigger.expression: '
                  f'2030-01-01T00:01:00Z (2030-01-01T00:01:00+00:00) is in '
                  f'the past')
    assert db_api.list_rules() == before
    db_api.delete_rule(db_api.find_rule('default', 'once')['id'])
    path.write_text(exported)
    helpers.fails(run('rule', 'import', str(path), '--replace'),
                  'trigger.expression: 2030-01-01T00:01:00Z')
    assert db_api.count_rules() == 1


def test_every_problem_of_the_rules_to_write_is_listed(run, tmp_path):
    [taken] = db_api.create_rules([_stored('demo', 'owner')])
    path = _write(tmp_path / 'r.yaml',
                  _once('2029-01-01T00:00:00Z', name='a'),
                  _once('2031-01-01T00:00:00Z', name='b', id=taken),
                  _once('2028-01-01T00:00:00Z', name='c'))
    err = helpers.fails(run('rule', 'import', path), f'ERROR: {path}: 3 '
                        f'errors')
    assert err.splitlines()[1:] == [
        f'{_item(path, 1)}: trigger.expression: 2029-01-01T00:00:00Z '
        f'(2029-01-01T00:00:00+00:00) is in the past (now is '
        f'2030-01-01T00:00:03+00:00): the rule would never fire',
        f'{_item(path, 2)}: id: {taken} is already the id of rule '
        f'demo/owner',
        f'{_item(path, 3)}: trigger.expression: 2028-01-01T00:00:00Z '
        f'(2028-01-01T00:00:00+00:00) is in the past (now is '
        f'2030-01-01T00:00:03+00:00): the rule would never fire',
    ]
    assert db_api.count_rules() == 1


def _stored(project_id: str, name: str, **values) -> dict:
    rule = {'id': RULE_ID, 'project_id': project_id, 'name': name,
            'job_type': 'noop', 'job_args': {}, 'trigger_kind': 'interval',
            'trigger_expr': '1m', 'timezone': 'UTC', 'paused': False,
            'misfire_policy': 'fire_once', 'bucket': 1,
            'next_fire_at': helpers.NOW}
    rule.update(values)
    return rule


@pytest.mark.parametrize('replace', [False, True])
def test_import_reusing_an_id_names_both_rules(run, tmp_path, replace):
    db_api.create_rules([_stored('demo', 'web01')])
    document = {'name': 'web02', 'project_id': 'demo', 'id': RULE_ID,
                'job': {'type': 'noop'},
                'trigger': {'kind': 'interval', 'expression': '5m'}}
    path = _write(tmp_path / 'r.yaml', document)
    argv = ('--replace',) if replace else ()
    helpers.fails(run('rule', 'import', path, *argv),
                  f'ERROR: {_item(path, 1)}: id: {RULE_ID} is already '
                  f'the id of rule demo/web01')
    assert [r['name'] for r in db_api.list_rules()] == ['web01']


def test_replacing_a_rule_ignores_the_id_in_the_file(run, tmp_path):
    db_api.create_rules([_stored('demo', 'web01')])
    db_api.create_rules([_stored('demo', 'web02', id=str(uuid.uuid4()))])
    # web02 of the file carries web01's id: web02 is updated, keeping its
    # own id, as documented.
    document = {'name': 'web02', 'project_id': 'demo', 'id': RULE_ID,
                'job': {'type': 'noop'},
                'trigger': {'kind': 'interval', 'expression': '5m'}}
    path = _write(tmp_path / 'r.yaml', document)
    helpers.ok(run('rule', 'import', path, '--replace'))
    web02 = db_api.find_rule('demo', 'web02')
    assert web02['id'] != RULE_ID and web02['trigger_expr'] == '5m'
