"""Tests of ``migrator-scheduler-manage db``."""

import pytest

from migrator_scheduler.conf import CONF
from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import migration

pytestmark = pytest.mark.usefixtures('empty_db')


def test_version_before_sync(run):
    assert run('db', 'version') == (0, 'none\n', '')


def test_sync_upgrades_and_records_buckets(run):
    code, out, err = run('db', 'sync')
    assert (code, err) == (0, '')
    assert out == f'{migration.head()}\n'
    assert run('db', 'version') == (0, out, '')
    assert db_api.get_deployment_value('num_buckets') == str(
        CONF.scheduler.num_buckets)


def test_sync_is_idempotent(run):
    assert run('db', 'sync')[0] == 0
    assert run('db', 'sync')[0] == 0


def test_sync_refuses_other_bucket_count(run):
    assert run('db', 'sync')[0] == 0
    CONF.set_override('num_buckets', 7, group='scheduler')
    try:
        code, out, err = run('db', 'sync')
    finally:
        CONF.clear_override('num_buckets', group='scheduler')
    assert code == 1
    assert err.startswith('ERROR: [scheduler] num_buckets is 7')
    assert 'Traceback' not in err


def test_rule_commands_need_sync(run):
    code, out, err = run('rule', 'list')
    assert (code, out) == (1, '')
    assert 'db sync' in err


def test_missing_config_file(run, tmp_path):
    code, out, err = run('--config-file', str(tmp_path / 'nope.conf'),
                         'db', 'version')
    assert code == 1
    assert err.startswith('ERROR: ')


def test_unknown_command_is_a_usage_error(run):
    with pytest.raises(SystemExit) as info:
        run('db', 'frobnicate')
    assert info.value.code == 2
