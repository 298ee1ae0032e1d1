"""The run ledger on real PostgreSQL and MariaDB: ``run purge`` deletes
old final runs in batches with their attempts, and one purger wins each
interval's claim however many try at once."""

from __future__ import annotations

import datetime
import os
import subprocess
import threading

import pytest
import sqlalchemy as sa

from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import ledger
from migrator_scheduler.db import models
from migrator_scheduler.tests.functional import cluster as cluster_mod
from migrator_scheduler.tests.functional.fixtures import databases
from migrator_scheduler.tests.functional.fixtures import processes

MANAGE = os.path.join(processes.BIN_DIR, 'migrator-scheduler-manage')
UTC = datetime.timezone.utc
OLD_SKIPPED = 199


def _manage(config_file, *args) -> subprocess.CompletedProcess:
    return subprocess.run([MANAGE, '--config-file', str(config_file), *args],
                          capture_output=True, text=True, timeout=60)


def _rule(name: str, next_fire_at: datetime.datetime) -> dict:
    return {
        'project_id': 'ledger', 'name': name, 'description': None,
        'job_type': 'noop', 'job_args': {}, 'trigger_kind': 'interval',
        'trigger_expr': '60s', 'timezone': 'UTC', 'start_at': None,
        'end_at': None, 'paused': False, 'misfire_policy': 'fire_all',
        'misfire_grace_time': None, 'bucket': 1,
        'next_fire_at': next_fire_at}


def _fire(now: datetime.datetime, skipped: int) -> list[dict]:
    """Fire every due rule at ``now``: ``skipped`` misfires (final at
    once) and one pending run each, at the minutes before ``now``."""
    def planner(row):
        times = [now - datetime.timedelta(minutes=m)
                 for m in range(skipped, 0, -1)]
        return db_api.FirePlan(None, [
            *((when, 'skipped', 'misfire') for when in times),
            (now, 'pending', None)])
    return db_api.fire_due_rules(None, now, planner, limit=100)[1]


def _run_once_with_a_retry(run_ids: list[str],
                           when: datetime.datetime) -> None:
    """Fail each run's first attempt, then succeed: one attempt kept."""
    second = datetime.timedelta(seconds=1)
    token, claimed = db_api.claim_runs(run_ids, 'host-a', when)
    assert sorted(db_api.finish_runs([{
        'id': run['id'], 'claim_token': token, 'state': 'failed',
        'finished_at': when + second, 'result': None, 'error': 'boom',
        'retry_at': when + 2 * second} for run in claimed])) == run_ids
    token, claimed = db_api.claim_runs(run_ids, 'host-b', when + 3 * second)
    assert sorted(db_api.finish_runs([{
        'id': run['id'], 'claim_token': token, 'state': 'succeeded',
        'finished_at': when + 4 * second, 'result': None, 'error': None}
        for run in claimed])) == sorted(run_ids)


def _count(table: sa.Table) -> int:
    with db_api.get_engine().connect() as conn:
        return conn.execute(
            sa.select(sa.func.count()).select_from(table)).scalar()


def _claims_at_once(callers: int) -> list[bool]:
    barrier = threading.Barrier(callers)
    won = []

    def claim():
        barrier.wait()
        won.append(db_api.claim_purge(3600).won)

    threads = [threading.Thread(target=claim) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return won


@pytest.mark.parametrize('backend', [databases.POSTGRESQL, databases.MYSQL])
def test_run_purge_and_its_claim(database_factory, backend, tmp_path):
    url = database_factory(backend)
    config = tmp_path / 'ms.conf'
    config.write_text(f'[DEFAULT]\nstate_path = {tmp_path}\n'
                      f'[database]\nconnection = {url}\n')
    now = datetime.datetime.now(UTC)
    old = now - datetime.timedelta(days=40)
    with cluster_mod.using_database(url):
        db_api.create_rules([_rule(f'old-{i}', old) for i in range(3)])
        old_pending = _fire(old, OLD_SKIPPED)
        _run_once_with_a_retry(sorted(r['id'] for r in old_pending), old)
        # Still running since 40 days: never purged.
        db_api.create_rules([_rule('stuck', old)])
        [stuck] = _fire(old, 0)
        db_api.claim_runs([stuck['id']], 'host-c', old)
        db_api.create_rules([_rule('recent', now)])
        _fire(now, 10)
        assert _count(models.runs) == 3 * (OLD_SKIPPED + 1) + 1 + 11
        assert _count(models.run_attempts) == 3

        dry = _manage(config, 'run', 'purge', '--older-than', '30',
                      '--dry-run')
        assert dry.returncode == 0, dry.stderr
        assert dry.stdout.startswith('Would delete 600 runs ')
        purged = _manage(config, 'run', 'purge', '--older-than', '30',
                         '--batch-size', '128')
        assert purged.returncode == 0, purged.stderr
        assert purged.stdout.startswith('Deleted 600 runs ')

        # The attempts went with their runs (ON DELETE CASCADE).
        assert _count(models.run_attempts) == 0
        left = db_api.find_runs(limit=1000)
        assert sorted(r['state'] for r in left) == [
            'pending'] + ['running'] + ['skipped'] * 10
        assert db_api.get_run(stuck['id'])['state'] == 'running'
        listed = _manage(config, 'run', 'list', '--rule', 'ledger/recent',
                         '--state', 'skipped', '--limit', '3')
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.count('| recent ') == 3

        # However many schedulers claim at once, one wins: the first
        # claim inserts the row, later ones swap its value.
        assert sorted(_claims_at_once(6)) == [False] * 5 + [True]
        table = models.deployment
        with db_api.get_engine().begin() as conn:
            conn.execute(table.update().where(
                table.c.name == ledger.LAST_PURGE_KEY).values(
                    value=old.isoformat()))
        assert sorted(_claims_at_once(6)) == [False] * 5 + [True]
        assert not db_api.claim_purge(3600).won
