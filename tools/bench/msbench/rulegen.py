"""Bulk creation of rules straight into PostgreSQL with ``COPY``.

A million rules through the database API would take many minutes; COPY
takes seconds. The rows are what the API would write: a stable bucket
from :func:`migrator_scheduler.common.buckets.bucket_for`, JSON job
arguments, times as naive UTC (the ``UTCDateTime`` storage format).
"""

from __future__ import annotations

import collections.abc
import datetime
import io
import json
import time
import typing
import uuid

import sqlalchemy as sa

from migrator_scheduler.common import buckets as buckets_mod

COLUMNS = ('id', 'project_id', 'name', 'job_type', 'job_args',
           'trigger_kind', 'trigger_expr', 'timezone', 'start_at',
           'paused', 'misfire_policy', 'bucket', 'next_fire_at',
           'version', 'created_at')
_COPY = (f'COPY rules ({", ".join(COLUMNS)}) FROM STDIN '
         f'WITH (FORMAT text)')
_CHUNK = 50_000
_NULL = '\\N'


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _text(value: datetime.datetime | None) -> str:
    if value is None:
        return _NULL
    return value.astimezone(datetime.timezone.utc).strftime(
        '%Y-%m-%d %H:%M:%S.%f')


class RuleSpec(typing.NamedTuple):
    """What varies between generated rules."""

    next_fire_at: datetime.datetime
    trigger_expr: str = '1d'
    start_at: datetime.datetime | None = None


def new_rule_id() -> str:
    return str(uuid.uuid4())


def rule_ids_in_buckets(buckets: collections.abc.Iterable[int],
                        num_buckets: int) -> dict[int, str]:
    """One fresh rule id hashing into each bucket of ``buckets``."""
    wanted = set(buckets)
    found: dict[int, str] = {}
    while len(found) < len(wanted):
        rule_id = new_rule_id()
        bucket = buckets_mod.bucket_for(rule_id, num_buckets)
        if bucket in wanted and bucket not in found:
            found[bucket] = rule_id
    return found


def copy_rules(engine: sa.engine.Engine,
               specs: collections.abc.Iterable[RuleSpec],
               num_buckets: int, job_args: dict | None = None,
               prefix: str = 'bench',
               ids: collections.abc.Iterable[str] | None = None
               ) -> list[str]:
    """Insert interval rules, one per spec, in one transaction.

    :returns: the new rule ids, in the order of ``specs``.
    """
    args = json.dumps(job_args or {}, sort_keys=True)
    created = _text(utcnow())
    ids_iter = iter(ids) if ids is not None else None
    rule_ids: list[str] = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        buffer = io.StringIO()
        for index, spec in enumerate(specs):
            rule_id = next(ids_iter) if ids_iter else new_rule_id()
            rule_ids.append(rule_id)
            buffer.write('\t'.join((
                rule_id, 'bench', f'{prefix}-{index}', 'noop', args,
                'interval', spec.trigger_expr, 'UTC',
                _text(spec.start_at), 'f', 'fire_once',
                str(buckets_mod.bucket_for(rule_id, num_buckets)),
                _text(spec.next_fire_at), '1', created)) + '\n')
            if (index + 1) % _CHUNK == 0:
                _flush(cursor, buffer)
                buffer = io.StringIO()
        _flush(cursor, buffer)
        raw.commit()
    finally:
        raw.close()
    return rule_ids


def _flush(cursor, buffer: io.StringIO) -> None:
    if buffer.tell():
        buffer.seek(0)
        cursor.copy_expert(_COPY, buffer)


def timed_copy(engine: sa.engine.Engine, specs, num_buckets: int,
               **kwargs) -> tuple[list[str], float]:
    """:func:`copy_rules`, returning the ids and the seconds it took."""
    started = time.monotonic()
    ids = copy_rules(engine, specs, num_buckets, **kwargs)
    return ids, time.monotonic() - started
