"""A job that snapshots a block-storage volume or images a server, and
keeps the newest K of those a rule made.

Delivery: a run may execute more than once (a retry, a duplicate message,
an executor declared lost). Every snapshot carries the rule id and the
nominal time in its metadata and has a name derived from them; the job
looks for it before creating one, so each nominal time of a rule gets at
most one snapshot. See ``doc/source/admin/job-openstack-snapshot.rst``.
"""

from __future__ import annotations

import dataclasses
import datetime
import time
import typing

from oslo_config import cfg

from migrator_scheduler import conf as ms_conf
from migrator_scheduler import exception
from migrator_scheduler.jobs import base
from migrator_scheduler.jobs import context as context_mod
from migrator_scheduler.jobs import errors
from migrator_scheduler.jobs import openstack_cloud

if typing.TYPE_CHECKING:
    import openstack.connection

RULE_KEY = 'migrator_scheduler_rule_id'
NOMINAL_KEY = 'migrator_scheduler_nominal_time'
RUN_KEY = 'migrator_scheduler_run_id'
NAME_PREFIX = 'msched'

# What a snapshot or image is doing, whatever the service calls it.
READY = 'ready'
FAILED = 'failed'
BUSY = 'busy'

_METADATA_SCHEMA = {
    'type': 'object',
    'maxProperties': 50,
    # The job's own keys cannot be overridden: they make it idempotent.
    'propertyNames': {'minLength': 1, 'maxLength': 255,
                      'pattern': '^(?!migrator_scheduler_)'},
    'additionalProperties': {'type': 'string', 'maxLength': 255},
}


def nominal_time(scheduled_for: datetime.datetime) -> str:
    """The nominal time as stored in metadata: ISO 8601, UTC."""
    return scheduled_for.astimezone(datetime.timezone.utc).isoformat()


def snapshot_name(rule_id: str, scheduled_for: datetime.datetime) -> str:
    """``msched-<first 8 characters of the rule id>-<YYYYmmddTHHMMSSZ>``,
    the nominal time in UTC."""
    stamp = scheduled_for.astimezone(datetime.timezone.utc).strftime(
        '%Y%m%dT%H%M%SZ')
    return f'{NAME_PREFIX}-{rule_id[:8]}-{stamp}'


@dataclasses.dataclass(frozen=True)
class Item:
    """A volume snapshot or an image, as the job sees it."""

    id: str
    name: str
    status: str
    state: str
    metadata: dict

    @property
    def nominal(self) -> datetime.datetime | None:
        """The nominal time it was made for, None if unreadable."""
        try:
            return datetime.datetime.fromisoformat(self.metadata[NOMINAL_KEY])
        except (KeyError, TypeError, ValueError):
            return None

    def made_for(self, rule_id: str, nominal: str | None = None) -> bool:
        """True if made by rule ``rule_id`` (for ``nominal`` if given)."""
        return self.metadata.get(RULE_KEY) == rule_id and (
            nominal is None or self.metadata.get(NOMINAL_KEY) == nominal)


def choose_deletions(items: list[Item], keep: int,
                     current_id: str) -> list[Item]:
    """Return what rotation deletes so the newest ``keep`` ready items stay.

    Items are ordered by nominal time. Failed ones do not count towards
    ``keep`` and are deleted once older than the newest ``keep`` ready
    ones; busy ones (being created or deleted) and ones without a
    readable nominal time are never touched, and neither is the item of
    the current run.
    """
    dated = [item for item in items if item.nominal is not None]
    dated.sort(key=lambda item: (item.nominal, item.id), reverse=True)
    kept, doomed = 0, []
    for item in dated:
        if item.state == READY and kept < keep:
            kept += 1
        elif item.id != current_id and item.state in (READY, FAILED):
            doomed.append(item)
    return doomed


class _Kind:
    """How one kind of snapshot is made, found, checked and deleted."""

    resource: str
    noun: str
    id_key: str
    ready: frozenset[str]
    failed: frozenset[str]

    def item(self, raw) -> Item:
        status = (raw.status or '').lower()
        state = READY if status in self.ready else (
            FAILED if status in self.failed else BUSY)
        return Item(raw.id, raw.name, status, state, self._metadata(raw))

    def _metadata(self, raw) -> dict:
        raise NotImplementedError

    def find(self, conn, name: str) -> list[Item]:
        raise NotImplementedError

    def list(self, conn) -> list[Item]:
        raise NotImplementedError

    def get(self, conn, item_id: str) -> Item:
        raise NotImplementedError

    def create(self, conn, resource_id: str, name: str, metadata: dict,
               args: dict, description: str) -> Item:
        raise NotImplementedError

    def delete(self, conn, item_id: str) -> None:
        raise NotImplementedError


class _VolumeSnapshots(_Kind):
    resource = 'volume'
    noun = 'volume snapshot'
    id_key = 'snapshot_id'
    ready = frozenset({'available'})
    failed = frozenset({'error'})

    def _metadata(self, raw) -> dict:
        return dict(raw.metadata or {})

    def find(self, conn, name: str) -> list[Item]:
        return [self.item(raw)
                for raw in conn.block_storage.snapshots(name=name)]

    def list(self, conn) -> list[Item]:
        # Snapshots cannot be filtered by metadata on the server.
        return [self.item(raw) for raw in conn.block_storage.snapshots()]

    def get(self, conn, item_id: str) -> Item:
        return self.item(conn.block_storage.get_snapshot(item_id))

    def create(self, conn, resource_id: str, name: str, metadata: dict,
               args: dict, description: str) -> Item:
        return self.item(conn.block_storage.create_snapshot(
            volume_id=resource_id, name=name, description=description,
            metadata=metadata, is_forced=args.get('force', True)))

    def delete(self, conn, item_id: str) -> None:
        conn.block_storage.delete_snapshot(item_id, ignore_missing=True)


class _ServerImages(_Kind):
    resource = 'server'
    noun = 'server image'
    id_key = 'image_id'
    ready = frozenset({'active'})
    # An image whose upload failed is killed; one deleted meanwhile is
    # gone for good too.
    failed = frozenset({'killed', 'deleted', 'pending_delete'})

    def _metadata(self, raw) -> dict:
        return dict(raw.properties or {})

    def find(self, conn, name: str) -> list[Item]:
        return [self.item(raw) for raw in conn.image.images(name=name)]

    def list(self, conn) -> list[Item]:
        return [self.item(raw) for raw in conn.image.images(
            owner=conn.current_project_id)]

    def get(self, conn, item_id: str) -> Item:
        return self.item(conn.image.get_image(item_id))

    def create(self, conn, resource_id: str, name: str, metadata: dict,
               args: dict, description: str) -> Item:
        return self.item(conn.compute.create_server_image(
            resource_id, name, metadata=metadata))

    def delete(self, conn, item_id: str) -> None:
        conn.image.delete_image(item_id, ignore_missing=True)


_KINDS: dict[str, _Kind] = {kind.resource: kind for kind in (
    _VolumeSnapshots(), _ServerImages())}


class OpenStackSnapshotJob(base.JobDriver):
    """Snapshots a volume (block storage) or images a server (compute),
    waits for it and rotates older ones; see the module docstring."""

    args_schema = {
        'type': 'object',
        'properties': {
            'resource': {'enum': sorted(_KINDS)},
            'id': {'type': 'string', 'format': 'uuid'},
            'cloud': {'type': 'string', 'minLength': 1, 'maxLength': 255},
            'keep': {'type': 'integer', 'minimum': 1, 'maximum': 1000},
            'force': {'type': 'boolean'},
            'wait': {'type': 'boolean'},
            'metadata': _METADATA_SCHEMA,
        },
        'required': ['resource', 'id'],
        'additionalProperties': False,
    }

    def __init__(self, conf: cfg.ConfigOpts | None = None) -> None:
        self._conf = ms_conf.CONF if conf is None else conf
        self._connector = openstack_cloud.Connector(self._conf)

    @classmethod
    def validate_args(cls, args: dict) -> None:
        super().validate_args(args)
        if args['resource'] != 'volume' and 'force' in args:
            raise exception.InvalidInput(
                'job.args.force', 'only a volume snapshot can be forced')

    def execute(self, context: context_mod.JobContext,
                args: dict) -> dict | None:
        kind = _KINDS[args['resource']]
        with openstack_cloud.translate_errors('connecting to OpenStack'):
            conn = self._connector.connect(args.get('cloud'))
        try:
            item, created = self._find_or_create(context, conn, kind, args)
            if args.get('wait', True):
                item = self._wait(context, conn, kind, item)
            deleted, failures = [], []
            if 'keep' in args:
                deleted, failures = self._rotate(
                    context, conn, kind, args['keep'], item)
        finally:
            conn.close()
        return {'resource': kind.resource, kind.id_key: item.id,
                'name': item.name, 'created': created,
                'status': item.status, 'deleted': deleted,
                'delete_failed': failures}

    def _find_or_create(self, context: context_mod.JobContext,
                        conn: openstack.connection.Connection, kind: _Kind,
                        args: dict) -> tuple[Item, bool]:
        name = snapshot_name(context.rule_id, context.scheduled_for)
        nominal = nominal_time(context.scheduled_for)
        with openstack_cloud.translate_errors(f'looking for {name}'):
            found = [item for item in kind.find(conn, name)
                     if item.made_for(context.rule_id, nominal)]
        if found:
            # Two only if two attempts raced past the claim check; the
            # usable one is the one to report.
            found.sort(key=lambda item: item.state != READY)
            context.log.info('%s %s (%s) exists already (status %s): not '
                             'creating another', kind.noun, name,
                             found[0].id, found[0].status)
            return found[0], False
        metadata = dict(args.get('metadata', {}))
        metadata.update({RULE_KEY: context.rule_id, NOMINAL_KEY: nominal,
                         RUN_KEY: context.run_id})
        description = (f'Made by migrator-scheduler rule '
                       f'{context.rule_name} for {nominal}')[:255]
        context.check()
        context.ensure_claim()
        with openstack_cloud.translate_errors(
                f'creating {kind.noun} of {kind.resource} {args["id"]}'):
            item = kind.create(conn, args['id'], name, metadata, args,
                               description)
        context.log.info('Created %s %s (%s) of %s %s', kind.noun, name,
                         item.id, kind.resource, args['id'])
        return item, True

    def _wait(self, context: context_mod.JobContext,
              conn: openstack.connection.Connection, kind: _Kind,
              item: Item) -> Item:
        group = self._conf[openstack_cloud.GROUP]
        give_up = time.monotonic() + group.max_wait
        while item.state == BUSY:
            if time.monotonic() >= give_up:
                raise errors.JobError(
                    f'{kind.noun} {item.name} ({item.id}) is still '
                    f'{item.status} after {group.max_wait} s')
            # Raises JobCancelled once the run's deadline has passed.
            context.wait(group.poll_interval)
            with openstack_cloud.translate_errors(
                    f'checking {kind.noun} {item.id}'):
                item = kind.get(conn, item.id)
        if item.state == FAILED:
            raise errors.PermanentJobError(
                f'{kind.noun} {item.name} ({item.id}) ended in status '
                f'{item.status}')
        context.log.info('%s %s (%s) is %s', kind.noun, item.name, item.id,
                         item.status)
        return item

    def _rotate(self, context: context_mod.JobContext,
                conn: openstack.connection.Connection, kind: _Kind,
                keep: int, current: Item) -> tuple[list[str], list[dict]]:
        with openstack_cloud.translate_errors(f'listing {kind.noun}s'):
            items = {item.id: item for item in kind.list(conn)
                     if item.made_for(context.rule_id)}
        # The one just made may not be listed yet.
        items[current.id] = current
        deleted, failures = [], []
        for item in choose_deletions(list(items.values()), keep, current.id):
            context.check()
            context.ensure_claim()
            try:
                kind.delete(conn, item.id)
            except Exception as exc:
                # The night's snapshot exists: an old one left behind is
                # reported, and deleted by the next run.
                context.log.warning('Could not delete %s %s (%s): %s',
                                    kind.noun, item.name, item.id, exc)
                failures.append({'id': item.id, 'error': str(exc)[:500]})
            else:
                context.log.info('Deleted %s %s (%s), made for %s',
                                 kind.noun, item.name, item.id,
                                 item.metadata.get(NOMINAL_KEY))
                deleted.append(item.id)
        return deleted, failures
