"""Runs nobody's trigger asked for: run now, and backfill.

A manual run is an ordinary run whose nominal time is when it was asked
for (reason ``manual``), deduplicated by a key its requester gives, so a
double click or a retried request runs once. A backfill creates the runs
of the rule's fire times over a past range (reason ``backfill``), the
ones that exist already left alone; they wait their turn and start one
at a time, oldest first, whenever no run of the rule is running (the
overlap queue of :mod:`migrator_scheduler.db.admission`).

Both are cast by the sweep of their bucket's owner: a manual run is a
retry due at once, backfilled runs are promoted from ``waiting``.
"""

from __future__ import annotations

import collections.abc
import datetime
import uuid

from oslo_db import exception as db_exc
import sqlalchemy as sa

from migrator_scheduler.db import admission
from migrator_scheduler.db import models
from migrator_scheduler.db import session as db_session

MANUAL = 'manual'
BACKFILL = f'{admission.OVERLAP}: backfill'


def _existing(session, rule_id: str, request_key: str) -> dict | None:
    runs = models.runs
    row = session.execute(sa.select(runs).where(
        runs.c.rule_id == rule_id,
        runs.c.request_key == request_key)).first()
    return None if row is None else dict(row._mapping)


def run_now(rule: dict, now: datetime.datetime,
            request_key: str | None = None) -> tuple[dict, bool]:
    """Create a manual run of ``rule`` due at ``now``.

    :returns: ``(run, created)``; with a ``request_key`` already used for
        this rule, the run it created and False.
    """
    runs = models.runs
    values = {'id': str(uuid.uuid4()), 'rule_id': rule['id'],
              'bucket': rule['bucket'], 'scheduled_for': now,
              'state': 'pending', 'attempt': 1, 'reason': MANUAL,
              'created_at': now, 'retry_at': now,
              'request_key': request_key}
    try:
        with db_session.writer() as session:
            if request_key is not None:
                found = _existing(session, rule['id'], request_key)
                if found is not None:
                    return found, False
            session.execute(runs.insert().values(**values))
    except db_exc.DBDuplicateEntry:
        if request_key is None:
            raise
        # The same request, committed meanwhile by another caller.
        with db_session.reader() as session:
            return _existing(session, rule['id'], request_key), False
    return values, True


def backfill(rule: dict, times: collections.abc.Sequence[datetime.datetime],
             now: datetime.datetime) -> list[datetime.datetime]:
    """Create waiting runs of ``rule`` at ``times``, except those that
    exist; return the times created."""
    runs = models.runs
    with db_session.writer() as session:
        existing = set()
        for chunk in db_session.chunks(sorted(times)):
            existing.update(session.execute(sa.select(
                runs.c.scheduled_for).where(
                    runs.c.rule_id == rule['id'],
                    runs.c.scheduled_for.in_(chunk))).scalars())
        created = [t for t in sorted(times) if t not in existing]
        rows = [{'id': str(uuid.uuid4()), 'rule_id': rule['id'],
                 'bucket': rule['bucket'], 'scheduled_for': when,
                 'state': 'waiting', 'attempt': 1, 'reason': BACKFILL,
                 'created_at': now} for when in created]
        for chunk in db_session.chunks(rows):
            session.execute(runs.insert(), chunk)
    return created
