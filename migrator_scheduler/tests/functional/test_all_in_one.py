"""The all-in-one mode, on both oslo.service backends: one real process
with the default configuration (SQLite, file coordination, in-process
transport and executor) fires a rule once per fire time."""

import collections
import datetime
import json
import os
import subprocess
import time

import pytest

from migrator_scheduler.tests.functional.fixtures import processes

MANAGE = os.path.join(processes.BIN_DIR, 'migrator-scheduler-manage')
SCHEDULER = os.path.join(processes.BIN_DIR, 'migrator-scheduler')


def _run(*args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True,
                            timeout=120, **kwargs)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize('backend', ['threading', 'eventlet'])
def test_all_in_one_fires_each_time_once(tmp_path, backend):
    config = tmp_path / 'ms.conf'
    config.write_text(f'[DEFAULT]\nstate_path = {tmp_path}\n')
    record = tmp_path / 'record'
    _run(MANAGE, '--config-file', str(config), 'db', 'sync')
    _run(MANAGE, '--config-file', str(config), 'rule', 'create',
         '--name', 'every-second', '--job-type', 'noop',
         '--job-args', f'{{"record": "{record}"}}',
         '--trigger-kind', 'interval', '--expression', '1')
    env = dict(os.environ, MIGRATOR_SCHEDULER_SERVICE_BACKEND=backend)
    with open(tmp_path / 'log', 'w') as log:
        proc = subprocess.Popen([SCHEDULER, '--config-file', str(config)],
                                stdout=log, stderr=subprocess.STDOUT,
                                env=env)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if record.exists() and len(
                        record.read_text().splitlines()) >= 4:
                    break
                time.sleep(0.2)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    lines = record.read_text().splitlines() if record.exists() else []
    assert len(lines) >= 4, (tmp_path / 'log').read_text()[-3000:]
    nominal = [line.split()[2] for line in lines]
    assert [t for t, n in collections.Counter(nominal).items() if n > 1] == []
    executed = {datetime.datetime.fromisoformat(t) for t in nominal}
    # No fire time was missed between the first and the last execution:
    # each has one run, executed, or skipped because the run before was
    # still running (the default overlap policy; at start-up, the fire
    # times missed while the process started are due together).
    runs = json.loads(_run(MANAGE, '--config-file', str(config), 'run',
                           'list', '--rule', 'default/every-second',
                           '--format', 'json', '--limit', '1000'))
    by_time = collections.defaultdict(list)
    for run in runs:
        by_time[datetime.datetime.fromisoformat(run['scheduled_for'])].append(
            run)
    first, last = min(executed), max(executed)
    for second in range(int((last - first).total_seconds()) + 1):
        when = first + datetime.timedelta(seconds=second)
        [run] = by_time[when]
        if when in executed:
            assert run['state'] == 'succeeded', run
        else:
            assert (run['state'], run['reason']) == ('skipped', 'overlap'), \
                run
