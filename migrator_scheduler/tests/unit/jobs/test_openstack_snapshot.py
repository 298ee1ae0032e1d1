"""Arguments, names and rotation of the openstack_snapshot job."""

from __future__ import annotations

import datetime
import subprocess
import sys

import pytest

from migrator_scheduler import exception
from migrator_scheduler.jobs import openstack_snapshot as snap_mod

VOLUME = '4f7d2c1e-9a3b-4c5d-8e6f-0a1b2c3d4e5f'
RULE = '0d6b5d3a-1f2e-4a5b-9c8d-7e6f5a4b3c2d'
UTC = datetime.timezone.utc


def _validate(**changes) -> None:
    args = {'resource': 'volume', 'id': VOLUME}
    args.update(changes)
    args = {key: value for key, value in args.items() if value is not None}
    snap_mod.OpenStackSnapshotJob.validate_args(args)


def test_valid_arguments():
    _validate()
    _validate(cloud='prod', keep=7, force=False, wait=False,
              metadata={'host': 'X'})
    _validate(resource='server', keep=1)


@pytest.mark.parametrize('changes, field', [
    ({'resource': None}, 'job.args.resource'),
    ({'resource': 'network'}, 'job.args.resource'),
    ({'id': None}, 'job.args.id'),
    ({'id': 'vol-1'}, 'job.args.id'),
    ({'id': 42}, 'job.args.id'),
    ({'cloud': ''}, 'job.args.cloud'),
    ({'keep': 0}, 'job.args.keep'),
    ({'keep': 2.5}, 'job.args.keep'),
    ({'keep': '7'}, 'job.args.keep'),
    ({'force': 'yes'}, 'job.args.force'),
    ({'wait': 1}, 'job.args.wait'),
    ({'metadata': {'host': 1}}, 'job.args.metadata.host'),
    ({'metadata': ['host']}, 'job.args.metadata'),
    ({'metadata': {snap_mod.RULE_KEY: 'x'}}, 'job.args.metadata'),
    ({'snapshot': True}, 'job.args.snapshot'),
    ({'resource': 'server', 'force': True}, 'job.args.force'),
])
def test_bad_arguments_name_their_field(changes, field):
    with pytest.raises(exception.InvalidInput) as caught:
        _validate(**changes)
    assert caught.value.field == field


def test_name_is_derived_from_rule_and_nominal_time():
    shanghai = datetime.timezone(datetime.timedelta(hours=8))
    nominal = datetime.datetime(2026, 12, 2, 2, 0, tzinfo=shanghai)
    assert snap_mod.snapshot_name(RULE, nominal) == \
        'msched-0d6b5d3a-20261201T180000Z'
    assert snap_mod.nominal_time(nominal) == '2026-12-01T18:00:00+00:00'


def test_module_does_not_import_openstacksdk():
    code = ('import sys, migrator_scheduler.jobs.openstack_snapshot, '
            'migrator_scheduler.jobs.chain; '
            'sys.exit("openstack" in sys.modules)')
    assert subprocess.run([sys.executable, '-c', code]).returncode == 0


def _item(day: int, state: str, rule: str = RULE,
          nominal: str | None = None) -> snap_mod.Item:
    when = datetime.datetime(2026, 12, day, 18, tzinfo=UTC)
    metadata = {snap_mod.RULE_KEY: rule,
                snap_mod.NOMINAL_KEY: nominal or when.isoformat()}
    status = {snap_mod.READY: 'available', snap_mod.FAILED: 'error',
              snap_mod.BUSY: 'creating'}[state]
    return snap_mod.Item(f'id-{day}', f'name-{day}', status, state, metadata)


def _ids(items) -> list[str]:
    return [item.id for item in items]


def test_rotation_deletes_all_but_the_newest():
    items = [_item(day, snap_mod.READY) for day in (3, 1, 4, 2, 5)]
    assert _ids(snap_mod.choose_deletions(items, 2, 'id-5')) == [
        'id-3', 'id-2', 'id-1']


def test_rotation_keeps_all_when_fewer_than_keep():
    items = [_item(day, snap_mod.READY) for day in (1, 2)]
    assert snap_mod.choose_deletions(items, 7, 'id-2') == []


def test_rotation_never_touches_busy_ones():
    items = [_item(1, snap_mod.BUSY), _item(2, snap_mod.READY),
             _item(3, snap_mod.BUSY), _item(4, snap_mod.READY)]
    assert _ids(snap_mod.choose_deletions(items, 1, 'id-4')) == ['id-2']


def test_rotation_does_not_count_failed_ones():
    items = [_item(1, snap_mod.READY), _item(2, snap_mod.READY),
             _item(3, snap_mod.FAILED), _item(4, snap_mod.READY)]
    # The two newest usable ones stay; the failed one goes.
    assert _ids(snap_mod.choose_deletions(items, 2, 'id-4')) == [
        'id-3', 'id-1']


def test_rotation_spares_the_current_run_and_undated_ones():
    items = [_item(1, snap_mod.READY), _item(2, snap_mod.READY),
             _item(3, snap_mod.READY), _item(4, snap_mod.READY,
                                             nominal='yesterday')]
    # A late run of day 1 does not delete its own snapshot.
    assert _ids(snap_mod.choose_deletions(items, 1, 'id-1')) == ['id-2']


def test_item_matches_rule_and_nominal_time():
    item = _item(1, snap_mod.READY)
    nominal = item.metadata[snap_mod.NOMINAL_KEY]
    assert item.made_for(RULE) and item.made_for(RULE, nominal)
    assert not item.made_for(RULE, '2026-12-02T18:00:00+00:00')
    assert not item.made_for('another-rule')
