"""The openstack_snapshot job with the real openstacksdk and keystoneauth1
against a fake cloud served by the test."""

from __future__ import annotations

import datetime
import uuid

import pytest

from migrator_scheduler.jobs import errors
from migrator_scheduler.jobs import openstack_snapshot as snap_mod
from migrator_scheduler.tests.functional.jobs import conftest as helpers

SNAPSHOT_CREATES = r'^/volume/v3/\w+/snapshots$'


def _volume(cloud) -> str:
    volume_id = str(uuid.uuid4())
    cloud.volumes.add(volume_id)
    return volume_id


def test_volume_snapshot_is_created_and_waited_for(cloud, service_conf):
    volume_id = _volume(cloud)
    context = helpers.make_context()
    job = snap_mod.OpenStackSnapshotJob(service_conf)

    result = job.execute(context, {'resource': 'volume', 'id': volume_id,
                                   'metadata': {'host': 'X'}})

    name = snap_mod.snapshot_name(context.rule_id, helpers.NIGHT)
    assert result == {'resource': 'volume',
                      'snapshot_id': result['snapshot_id'], 'name': name,
                      'created': True, 'status': 'available',
                      'deleted': [], 'delete_failed': []}
    stored = cloud.snapshots[result['snapshot_id']]
    assert stored['status'] == 'available'
    assert stored['volume_id'] == volume_id
    assert stored['force'] is True
    assert stored['metadata'] == {
        'host': 'X', snap_mod.RULE_KEY: context.rule_id,
        snap_mod.NOMINAL_KEY: '2026-12-01T18:00:00+00:00',
        snap_mod.RUN_KEY: context.run_id}


def test_executed_twice_makes_one_snapshot(cloud, service_conf):
    volume_id = _volume(cloud)
    context = helpers.make_context()
    job = snap_mod.OpenStackSnapshotJob(service_conf)
    args = {'resource': 'volume', 'id': volume_id}

    first = job.execute(context, args)
    # Another attempt of the same run, as after a lost executor.
    context.attempt = 2
    second = job.execute(context, args)

    assert first['created'] and not second['created']
    assert second['snapshot_id'] == first['snapshot_id']
    assert len(cloud.snapshots) == 1
    assert cloud.count('POST', SNAPSHOT_CREATES) == 1


def test_no_create_once_the_claim_is_lost(cloud, service_conf):
    volume_id = _volume(cloud)
    context = helpers.make_context(claim=lambda: False)
    job = snap_mod.OpenStackSnapshotJob(service_conf)

    with pytest.raises(errors.ClaimLost):
        job.execute(context, {'resource': 'volume', 'id': volume_id})
    assert cloud.snapshots == {}


def test_rotation_keeps_the_newest(cloud, service_conf):
    volume_id = _volume(cloud)
    rule_id = str(uuid.uuid4())
    job = snap_mod.OpenStackSnapshotJob(service_conf)
    args = {'resource': 'volume', 'id': volume_id, 'keep': 2}
    # Another rule's snapshot of the same volume is not this rule's to
    # rotate.
    other = job.execute(helpers.make_context(), args)

    results = []
    for day in range(4):
        night = helpers.NIGHT + datetime.timedelta(days=day)
        results.append(job.execute(
            helpers.make_context(rule_id, scheduled_for=night), args))

    ids = [result['snapshot_id'] for result in results]
    assert [result['deleted'] for result in results] == [
        [], [], [ids[0]], [ids[1]]]
    assert set(cloud.snapshots) == {ids[2], ids[3], other['snapshot_id']}


def test_error_status_fails_permanently(cloud, service_conf):
    volume_id = _volume(cloud)
    cloud.failing.add(volume_id)
    job = snap_mod.OpenStackSnapshotJob(service_conf)

    with pytest.raises(errors.PermanentJobError, match='status error'):
        job.execute(helpers.make_context(),
                    {'resource': 'volume', 'id': volume_id})


def test_missing_volume_fails_permanently(cloud, service_conf):
    job = snap_mod.OpenStackSnapshotJob(service_conf)

    with pytest.raises(errors.PermanentJobError, match='could not be found'):
        job.execute(helpers.make_context(),
                    {'resource': 'volume', 'id': str(uuid.uuid4())})


def test_without_wait_returns_while_creating(cloud, service_conf):
    volume_id = _volume(cloud)
    job = snap_mod.OpenStackSnapshotJob(service_conf)

    result = job.execute(helpers.make_context(), {
        'resource': 'volume', 'id': volume_id, 'wait': False, 'keep': 1})

    assert result['status'] == 'creating'
    assert result['deleted'] == []


def test_named_cloud_from_os_client_config_file(cloud, bare_conf,
                                                clouds_yaml, monkeypatch):
    monkeypatch.setenv('OS_CLIENT_CONFIG_FILE', str(clouds_yaml))
    volume_id = _volume(cloud)
    job = snap_mod.OpenStackSnapshotJob(bare_conf)

    result = job.execute(helpers.make_context(), {
        'resource': 'volume', 'id': volume_id, 'cloud': 'fake'})

    assert result['status'] == 'available'


def test_unknown_cloud_fails_permanently(cloud, bare_conf, clouds_yaml):
    bare_conf.set_override('clouds_file', str(clouds_yaml),
                           group='openstack_snapshot')
    job = snap_mod.OpenStackSnapshotJob(bare_conf)

    with pytest.raises(errors.PermanentJobError, match='nowhere'):
        job.execute(helpers.make_context(), {
            'resource': 'volume', 'id': _volume(cloud), 'cloud': 'nowhere'})


def test_no_credentials_fails_permanently(bare_conf):
    job = snap_mod.OpenStackSnapshotJob(bare_conf)

    with pytest.raises(errors.PermanentJobError, match='auth_type'):
        job.execute(helpers.make_context(),
                    {'resource': 'volume', 'id': str(uuid.uuid4())})


def test_wrong_password_fails_permanently(cloud, tmp_path):
    conf = helpers.write_service_conf(cloud, tmp_path, password='wrong')
    job = snap_mod.OpenStackSnapshotJob(conf)

    with pytest.raises(errors.PermanentJobError, match='401'):
        job.execute(helpers.make_context(),
                    {'resource': 'volume', 'id': _volume(cloud)})


def test_server_image_with_rotation(cloud, bare_conf, clouds_yaml):
    bare_conf.set_override('clouds_file', str(clouds_yaml),
                           group='openstack_snapshot')
    bare_conf.set_override('cloud', 'fake', group='openstack_snapshot')
    server_id = str(uuid.uuid4())
    cloud.servers.add(server_id)
    rule_id = str(uuid.uuid4())
    job = snap_mod.OpenStackSnapshotJob(bare_conf)
    args = {'resource': 'server', 'id': server_id, 'keep': 1}

    first = job.execute(helpers.make_context(rule_id), args)
    second = job.execute(helpers.make_context(
        rule_id, scheduled_for=helpers.NIGHT + datetime.timedelta(days=1)),
        args)

    assert first['created'] and first['status'] == 'active'
    assert second['deleted'] == [first['image_id']]
    assert list(cloud.images) == [second['image_id']]
    image = cloud.images[second['image_id']]
    assert image['name'] == second['name']
    assert image[snap_mod.RULE_KEY] == rule_id


def test_server_image_in_error_fails_permanently(cloud, service_conf):
    server_id = str(uuid.uuid4())
    cloud.servers.add(server_id)
    cloud.failing.add(server_id)
    job = snap_mod.OpenStackSnapshotJob(service_conf)

    with pytest.raises(errors.PermanentJobError, match='status killed'):
        job.execute(helpers.make_context(),
                    {'resource': 'server', 'id': server_id})


def test_deadline_cancels_the_wait(cloud, service_conf):
    cloud.settle_after = 10 ** 6
    job = snap_mod.OpenStackSnapshotJob(service_conf)

    with pytest.raises(errors.JobCancelled, match='timeout'):
        job.execute(helpers.make_context(seconds=0.5),
                    {'resource': 'volume', 'id': _volume(cloud)})


def test_max_wait_bounds_a_wait_without_deadline(cloud, service_conf):
    cloud.settle_after = 10 ** 6
    service_conf.set_override('max_wait', 1, group='openstack_snapshot')
    job = snap_mod.OpenStackSnapshotJob(service_conf)
    context = helpers.make_context()
    context.deadline = None

    with pytest.raises(errors.JobError, match='still creating after 1 s'):
        job.execute(context, {'resource': 'volume', 'id': _volume(cloud)})
    # Another attempt waits for the same snapshot.
    cloud.settle_after = 0
    assert not job.execute(context, {
        'resource': 'volume', 'id': list(cloud.volumes)[0]})['created']
