"""A chain ending in an openstack_snapshot step, against a fake cloud."""

from __future__ import annotations

import uuid

import pytest

from migrator_scheduler import jobs
from migrator_scheduler.jobs import chain
from migrator_scheduler.jobs import errors
from migrator_scheduler.jobs import openstack_snapshot as snap_mod
from migrator_scheduler.tests.functional.jobs import conftest as helpers


@pytest.fixture
def volume_id(cloud, service_conf, monkeypatch) -> str:
    """A volume of the fake cloud; chain steps of type
    ``openstack_snapshot`` use the test's configuration."""
    monkeypatch.setitem(jobs._drivers, 'openstack_snapshot',
                        snap_mod.OpenStackSnapshotJob(service_conf))
    volume = str(uuid.uuid4())
    cloud.volumes.add(volume)
    return volume


def _args(first_step: dict, volume: str) -> dict:
    args = {'steps': [
        first_step,
        {'name': 'snapshot', 'type': 'openstack_snapshot',
         'args': {'resource': 'volume', 'id': volume, 'keep': 7}},
    ]}
    chain.ChainJob.validate_args(args)
    return args


def test_noop_then_snapshot(cloud, volume_id, tmp_path):
    record = tmp_path / 'record'
    context = helpers.make_context()
    args = _args({'name': 'sync', 'type': 'noop',
                  'args': {'record': str(record)}}, volume_id)

    result = chain.ChainJob().execute(context, args)

    assert [(s['name'], s['state']) for s in result['steps']] == [
        ('sync', 'succeeded'), ('snapshot', 'succeeded')]
    snapshot = result['steps'][1]['result']
    assert snapshot['created'] and snapshot['status'] == 'available'
    assert list(cloud.snapshots) == [snapshot['snapshot_id']]
    # Both steps ran as the same run.
    assert record.read_text().split()[0] == context.run_id
    assert cloud.snapshots[snapshot['snapshot_id']]['metadata'][
        snap_mod.RUN_KEY] == context.run_id


def test_failed_first_step_takes_no_snapshot(cloud, volume_id, tmp_path):
    # Recording into a missing directory fails.
    args = _args({'name': 'sync', 'type': 'noop',
                  'args': {'record': str(tmp_path / 'no' / 'record')}},
                 volume_id)

    with pytest.raises(errors.JobError, match='step 0 \\(sync, noop\\)'):
        chain.ChainJob().execute(helpers.make_context(), args)
    assert cloud.snapshots == {}
    assert cloud.count('POST', r'/snapshots$') == 0


def test_failed_snapshot_step_stays_permanent(cloud, volume_id):
    cloud.failing.add(volume_id)
    args = _args({'type': 'noop'}, volume_id)

    with pytest.raises(errors.PermanentJobError,
                       match='step 1 \\(snapshot, openstack_snapshot\\)'):
        chain.ChainJob().execute(helpers.make_context(), args)
