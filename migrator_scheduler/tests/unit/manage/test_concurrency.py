"""``migrator-scheduler-manage concurrency``."""

import json

import pytest

from migrator_scheduler.db import api as db_api
from migrator_scheduler.tests.unit.manage import helpers

pytestmark = pytest.mark.usefixtures('sqlite_db')


def test_set_list_unset(run):
    helpers.ok(run('concurrency', 'set', 'cloud-east', '3'))
    helpers.ok(run('concurrency', 'set', 'cloud-west', '1'))
    out = helpers.ok(run('concurrency', 'list'))
    assert 'cloud-east' in out and '| 3 ' in out
    helpers.ok(run('concurrency', 'unset', 'cloud-west'))
    listed = json.loads(helpers.ok(run('concurrency', 'list', '--format',
                                       'json')))
    assert [(i['key'], i['max_running'], i['default']) for i in listed] == [
        ('cloud-east', 3, False), ('cloud-west', 10, True)]


@pytest.mark.parametrize('args, message', [
    (('set', 'k', '0'), 'LIMIT: must be between 1 and 100000'),
    (('set', 'k' * 256, '2'), 'KEY: must have 1 to 255 characters'),
])
def test_bad_input(run, args, message):
    helpers.fails(run('concurrency', *args), message)
    assert helpers.ok(run('concurrency', 'list', '--format', 'json')) \
        .strip() == '[]'


def test_rule_create_takes_overlap_and_key(run):
    rule_id = helpers.ok(run(*helpers.CREATE, '--overlap', 'queue_one',
                             '--concurrency-key', '{project_id}')).strip()
    rule = db_api.get_rule(rule_id.split()[0])
    assert (rule['overlap_policy'], rule['concurrency_key']) == (
        'queue_one', '{project_id}')
