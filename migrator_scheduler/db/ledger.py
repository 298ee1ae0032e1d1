"""The run ledger: finding runs, and deleting old finished ones.

Used through :mod:`migrator_scheduler.db.api`, which re-exports every
public name here.

Nothing reads finished runs to schedule: a rule's last fire time is
kept on the rule itself (``last_fire_at``), so deleting any final run,
even a rule's latest, changes no future fire time.
"""

from __future__ import annotations

import collections.abc
import datetime
import threading
import typing

from oslo_db import exception as db_exc
import sqlalchemy as sa

from migrator_scheduler.db import models
from migrator_scheduler.db import schedulers as schedulers_db
from migrator_scheduler.db import session as db_session
from migrator_scheduler import exception

# The deployment row holding the database time of the last purge pass.
LAST_PURGE_KEY = 'last_purge_at'


def _run_columns() -> list:
    runs, rules = models.runs, models.rules
    return [*runs.c, rules.c.name.label('rule_name'),
            rules.c.project_id.label('project_id')]


def find_runs(rule_id: str | None = None, project_id: str | None = None,
              states: collections.abc.Collection[str] | None = None,
              since: datetime.datetime | None = None,
              until: datetime.datetime | None = None,
              limit: int = 100, marker: str | None = None) -> list[dict]:
    """Return runs newest nominal time first, with their rule's name and
    project (``rule_name``, ``project_id``).

    ``since`` is inclusive, ``until`` exclusive (nominal times). Pages
    follow each other with ``marker``, the id of the last run of the
    previous page; ties on the nominal time are ordered by id.

    :raises RunNotFound: the marker run does not exist.
    """
    runs, rules = models.runs, models.rules
    stmt = sa.select(*_run_columns()).join(
        rules, rules.c.id == runs.c.rule_id).order_by(
            runs.c.scheduled_for.desc(), runs.c.id.desc()).limit(limit)
    if rule_id is not None:
        stmt = stmt.where(runs.c.rule_id == rule_id)
    if project_id is not None:
        stmt = stmt.where(rules.c.project_id == project_id)
    if states:
        stmt = stmt.where(runs.c.state.in_(sorted(states)))
    if since is not None:
        stmt = stmt.where(runs.c.scheduled_for >= since)
    if until is not None:
        stmt = stmt.where(runs.c.scheduled_for < until)
    with db_session.reader() as session:
        if marker is not None:
            last = session.execute(sa.select(runs.c.scheduled_for).where(
                runs.c.id == marker)).scalar()
            if last is None:
                raise exception.RunNotFound(marker)
            stmt = stmt.where(sa.or_(
                runs.c.scheduled_for < last,
                sa.and_(runs.c.scheduled_for == last, runs.c.id < marker)))
        return [dict(row._mapping) for row in session.execute(stmt)]


def get_run(run_id: str) -> dict:
    """Return one run with its rule's name and project.

    :raises RunNotFound: no run has this id.
    """
    runs, rules = models.runs, models.rules
    with db_session.reader() as session:
        row = session.execute(sa.select(*_run_columns()).join(
            rules, rules.c.id == runs.c.rule_id).where(
                runs.c.id == run_id)).first()
    if row is None:
        raise exception.RunNotFound(run_id)
    return dict(row._mapping)


def _purgeable(finished_before: datetime.datetime,
               states: collections.abc.Collection[str] | None):
    """The condition of the runs a purge deletes: only final ones."""
    runs = models.runs
    final = set(models.FINAL_RUN_STATES)
    chosen = final if states is None else final & set(states)
    return sa.and_(runs.c.state.in_(sorted(chosen)),
                   runs.c.finished_at < finished_before)


def count_purgeable_runs(finished_before: datetime.datetime,
                         states: collections.abc.Collection[str] | None
                         = None) -> int:
    """Return how many runs :func:`purge_runs` would delete."""
    with db_session.reader() as session:
        return session.execute(sa.select(sa.func.count()).select_from(
            models.runs).where(_purgeable(finished_before, states))).scalar()


@db_session.retry_on_deadlock
def _purge_batch(finished_before: datetime.datetime,
                 states: collections.abc.Collection[str] | None,
                 batch_size: int) -> int:
    runs = models.runs
    condition = _purgeable(finished_before, states)
    with db_session.writer() as session:
        # Ids first: MySQL allows no LIMIT in the subquery of a DELETE.
        ids = list(session.execute(sa.select(runs.c.id).where(
            condition).order_by(runs.c.finished_at).limit(
                batch_size)).scalars())
        deleted = 0
        for chunk in db_session.chunks(ids):
            # run_attempts rows go with their runs (ON DELETE CASCADE;
            # enforced on SQLite too, where the engine turns foreign keys
            # on).
            deleted += session.execute(runs.delete().where(
                runs.c.id.in_(chunk), condition)).rowcount
    return deleted


def purge_runs(finished_before: datetime.datetime,
               states: collections.abc.Collection[str] | None = None,
               batch_size: int = 1000, max_batches: int | None = None,
               stop: threading.Event | None = None) -> int:
    """Delete final runs (of ``states``, default all final states) that
    finished before ``finished_before``, with their earlier attempts.

    Each batch of ``batch_size`` runs, oldest finish first, is its own
    transaction, so no lock is held for long whatever the backlog. Stops
    after ``max_batches`` batches, or when ``stop`` is set. Pending and
    running runs are never deleted, whatever ``states`` says.

    :returns: how many runs were deleted.
    """
    total = batches = 0
    while max_batches is None or batches < max_batches:
        if stop is not None and stop.is_set():
            break
        deleted = _purge_batch(finished_before, states, batch_size)
        total += deleted
        batches += 1
        if deleted < batch_size:
            break
    return total


class PurgeClaim(typing.NamedTuple):
    """The outcome of :func:`claim_purge`."""

    won: bool
    # The database server's time when the claim was decided.
    now: datetime.datetime
    # Seconds until the next purge pass is due.
    wait: float


def claim_purge(interval: float) -> PurgeClaim:
    """Claim the deployment's purge pass for this interval.

    The time of the last pass is one row of ``deployment``, read with a
    row lock and replaced with a compare-and-swap on its old value
    (``UPDATE ... WHERE value = old``, checked by rowcount; the first
    pass inserts it, the primary key refusing a second insert). So at
    most one caller per ``interval`` seconds of the database server's
    clock wins, whatever the number of schedulers and their views of the
    group; a winner that dies mid-pass leaves the rest to the next
    interval's.
    """
    try:
        return _claim_purge(interval)
    except db_exc.DBDuplicateEntry:
        # Another caller inserted the first row meanwhile: it won.
        now = schedulers_db.database_time()
        return PurgeClaim(False, now, interval)


@db_session.retry_on_deadlock
def _claim_purge(interval: float) -> PurgeClaim:
    table = models.deployment
    key = table.c.name == LAST_PURGE_KEY
    with db_session.writer() as session:
        now = schedulers_db._server_time(session)
        new = now.isoformat()
        # A locking read: concurrent claims of one interval wait for the
        # winner's commit and then read its value, whatever the
        # isolation level's snapshot would have shown them.
        old = session.execute(sa.select(table.c.value).where(
            key).with_for_update()).scalar()
        if old is None:
            session.execute(table.insert().values(name=LAST_PURGE_KEY,
                                                  value=new))
            return PurgeClaim(True, now, interval)
        due = _due(old, interval, now)
        if due > now:
            return PurgeClaim(False, now, (due - now).total_seconds())
        won = session.execute(table.update().where(
            key, table.c.value == old).values(value=new)).rowcount == 1
    return PurgeClaim(won, now, interval)


def _due(value: str, interval: float,
         now: datetime.datetime) -> datetime.datetime:
    """When the pass after the one recorded as ``value`` is due.

    A value that cannot be read, or lies further ahead than one interval
    (the server's clock was set back), makes it due now: the swap still
    lets one caller win.
    """
    try:
        last = datetime.datetime.fromisoformat(value)
    except ValueError:
        return now
    if last.tzinfo is None:
        last = last.replace(tzinfo=datetime.timezone.utc)
    # Only a pass recorded more than an interval ahead is a clock set
    # back: a competitor's pass recorded a moment after our own reading
    # of the clock is the current one.
    if last - now > datetime.timedelta(seconds=interval):
        return now
    return last + datetime.timedelta(seconds=interval)
