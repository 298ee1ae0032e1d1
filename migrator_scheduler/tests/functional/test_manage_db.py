"""``migrator-scheduler-manage db sync`` against the real SQL servers."""

import os
import subprocess

import pytest

from migrator_scheduler.tests.functional.fixtures import databases
from migrator_scheduler.tests.functional.fixtures import processes

MANAGE = os.path.join(processes.BIN_DIR, 'migrator-scheduler-manage')


def _manage(config_file, *args):
    return subprocess.run([MANAGE, '--config-file', str(config_file), *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize('backend', [databases.POSTGRESQL, databases.MYSQL])
def test_db_sync_and_version(database_factory, backend, tmp_path):
    config = tmp_path / 'ms.conf'
    config.write_text(f'[DEFAULT]\nstate_path = {tmp_path}\n'
                      f'[database]\nconnection = {database_factory(backend)}'
                      '\n')
    assert _manage(config, 'db', 'version').stdout.strip() == 'none'
    synced = _manage(config, 'db', 'sync')
    assert synced.returncode == 0, synced.stderr
    version = _manage(config, 'db', 'version')
    assert version.returncode == 0
    assert version.stdout.strip() == synced.stdout.strip().splitlines()[-1]
    # Idempotent, and the bucket count is now fixed.
    assert _manage(config, 'db', 'sync').returncode == 0
    other_count = tmp_path / 'buckets.conf'
    other_count.write_text('[scheduler]\nnum_buckets = 2048\n')
    other = _manage(config, '--config-file', str(other_count), 'db', 'sync')
    assert other.returncode == 1
    assert 'num_buckets' in other.stderr
