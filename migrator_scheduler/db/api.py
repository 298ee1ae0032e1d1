"""The database API: the only module callers use to reach the database.

Every function runs in its own transaction (enginefacade reader or
writer). Writers are retried on deadlock. Times are aware UTC datetimes.

Delivery semantics are stated where they matter:

* :func:`fire_due_rules` creates at most one run per (rule, nominal fire
  time): the due rows are locked (``FOR UPDATE SKIP LOCKED``), advanced
  with a compare-and-swap on their version and the runs inserted in the
  same transaction, under a unique key on ``(rule_id, scheduled_for)``.
* :func:`claim_runs` moves a run from ``pending`` to ``running`` at most
  once per attempt, so a duplicated cast never starts a job twice.
"""

from __future__ import annotations

import collections
import collections.abc
import datetime
import json
import typing
import uuid

from oslo_db import exception as db_exc
from oslo_log import log as logging
import sqlalchemy as sa

from migrator_scheduler.db import admission
from migrator_scheduler.db import ledger
from migrator_scheduler.db import manual_runs
from migrator_scheduler.db import models
from migrator_scheduler.db import schedulers as schedulers_db
from migrator_scheduler.db import session as db_session
from migrator_scheduler.db.types import UTCDateTime
from migrator_scheduler import exception

LOG = logging.getLogger(__name__)

get_engine = db_session.get_engine
reset = db_session.reset
_chunks = db_session.chunks
_reader = db_session.reader
_writer = db_session.writer
_retry_on_deadlock = db_session.retry_on_deadlock
_utc_param = db_session.utc_param


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


# -------------------------------------------------------------------- schema

def schema_revision() -> str | None:
    """Return the database's schema revision; None before db sync.

    Read from alembic's own table, without loading alembic: long-running
    services have no other use for it.
    """
    engine = get_engine()
    if not sa.inspect(engine).has_table('alembic_version'):
        return None
    with _reader() as session:
        return session.execute(
            sa.text('SELECT version_num FROM alembic_version')).scalar()


def require_current_schema() -> None:
    """Refuse to go on with a schema older (or newer) than this code's.

    :raises ConfigurationError: telling the operator to run db sync.
    """
    current = schema_revision()
    if current != models.SCHEMA_REVISION:
        raise exception.ConfigurationError(
            f'the database schema is at revision {current or "none"}, this '
            f'code needs {models.SCHEMA_REVISION}; run '
            f'"migrator-scheduler-manage db sync"')


# ---------------------------------------------------------------- deployment

def get_deployment_value(name: str) -> str | None:
    """Return a deployment-wide setting recorded in the database."""
    with _reader() as session:
        return session.execute(
            sa.select(models.deployment.c.value).where(
                models.deployment.c.name == name)).scalar()


@_retry_on_deadlock
def ensure_num_buckets(configured: int) -> int:
    """Record the bucket count on first use, refuse a different one later.

    :raises BucketCountMismatch: the deployment uses another count.
    """
    with _writer() as session:
        stored = session.execute(
            sa.select(models.deployment.c.value).where(
                models.deployment.c.name == 'num_buckets')).scalar()
        if stored is None:
            session.execute(models.deployment.insert().values(
                name='num_buckets', value=str(configured)))
            return configured
    if int(stored) != configured:
        raise exception.BucketCountMismatch(configured, int(stored))
    return configured


# --------------------------------------------------------------------- rules

def _rule_from_row(row: sa.Row) -> dict:
    rule = dict(row._mapping)
    rule['job_args'] = json.loads(rule['job_args'])
    return rule


def _rule_values(rule: dict, now: datetime.datetime) -> dict:
    values = dict(rule)
    values['job_args'] = json.dumps(values.get('job_args') or {},
                                    sort_keys=True)
    values.setdefault('id', str(uuid.uuid4()))
    values.setdefault('version', 1)
    values.setdefault('created_at', now)
    return values


@_retry_on_deadlock
def create_rules(rules: collections.abc.Sequence[dict],
                 replace: bool = False) -> list[str]:
    """Insert rules in one transaction: all of them or none.

    With ``replace``, a rule whose (project_id, name) already exists is
    updated in place (keeping its id and bucket) instead of failing, and
    its runs planned ahead of their time are withdrawn.

    :raises DuplicateRule: a rule already exists and ``replace`` is off.
    """
    now = _utcnow()
    table = models.rules
    ids = []
    try:
        with _writer() as session:
            existing = {}
            if replace:
                keys = {(r['project_id'], r['name']) for r in rules}
                for names in _chunks(sorted(keys)):
                    rows = session.execute(sa.select(
                        table.c.id, table.c.project_id, table.c.name,
                        table.c.bucket).where(sa.tuple_(
                            table.c.project_id, table.c.name).in_(names)))
                    existing.update(
                        {(r.project_id, r.name): r for r in rows})
            new_rows, replaced = [], []
            for rule in rules:
                values = _rule_values(rule, now)
                old = existing.get((values['project_id'], values['name']))
                if old is None:
                    new_rows.append(values)
                    ids.append(values['id'])
                    continue
                values.pop('id')
                values.pop('created_at')
                values.pop('version')
                values['bucket'] = old.bucket
                values['updated_at'] = now
                session.execute(table.update().where(
                    table.c.id == old.id).values(
                        version=table.c.version + 1, **values))
                ids.append(old.id)
                replaced.append(old.id)
            if replaced:
                _withdraw_runs_ahead(session, replaced, now)
                # A rule replaced with a max_runs it has reached already
                # fires no more.
                session.execute(table.update().where(
                    table.c.id.in_(replaced),
                    table.c.max_runs.is_not(None),
                    table.c.fired_runs >= table.c.max_runs).values(
                        next_fire_at=None))
            for chunk in _chunks(new_rows):
                session.execute(table.insert(), chunk)
    except db_exc.DBDuplicateEntry as exc:
        raise exception.DuplicateRule(exc.columns or []) from exc
    return ids


def get_rule(rule_id: str) -> dict:
    """Return one rule as a dict.

    :raises RuleNotFound: no rule has this id.
    """
    with _reader() as session:
        row = session.execute(sa.select(models.rules).where(
            models.rules.c.id == rule_id)).first()
    if row is None:
        raise exception.RuleNotFound(rule_id)
    return _rule_from_row(row)


def find_rule(project_id: str, name: str) -> dict:
    """Return the rule named ``name`` in ``project_id``."""
    with _reader() as session:
        row = session.execute(sa.select(models.rules).where(
            models.rules.c.project_id == project_id,
            models.rules.c.name == name)).first()
    if row is None:
        raise exception.RuleNotFound(f'{project_id}/{name}')
    return _rule_from_row(row)


def rule_names(rule_ids: collections.abc.Collection[str]
               ) -> dict[str, tuple[str, str]]:
    """Return ``{id: (project_id, name)}`` of the rules among ``rule_ids``
    that exist."""
    table = models.rules
    found = {}
    with _reader() as session:
        for chunk in _chunks(sorted(rule_ids)):
            rows = session.execute(sa.select(
                table.c.id, table.c.project_id, table.c.name).where(
                    table.c.id.in_(chunk)))
            found.update({row.id: (row.project_id, row.name)
                          for row in rows})
    return found


def list_rules(project_id: str | None = None, limit: int | None = None,
               marker: str | None = None) -> list[dict]:
    """Return rules ordered by id, paginated with ``marker``/``limit``."""
    table = models.rules
    stmt = sa.select(table).order_by(table.c.id)
    if project_id is not None:
        stmt = stmt.where(table.c.project_id == project_id)
    if marker is not None:
        stmt = stmt.where(table.c.id > marker)
    if limit is not None:
        stmt = stmt.limit(limit)
    with _reader() as session:
        return [_rule_from_row(row) for row in session.execute(stmt)]


def count_rules() -> int:
    """Return the number of rules."""
    with _reader() as session:
        return session.execute(
            sa.select(sa.func.count()).select_from(models.rules)).scalar()


@_retry_on_deadlock
def delete_rule(rule_id: str) -> None:
    """Delete a rule and its runs.

    :raises RuleNotFound: no rule has this id.
    """
    with _writer() as session:
        session.execute(models.runs.delete().where(
            models.runs.c.rule_id == rule_id))
        deleted = session.execute(models.rules.delete().where(
            models.rules.c.id == rule_id)).rowcount
    if not deleted:
        raise exception.RuleNotFound(rule_id)


@_retry_on_deadlock
def set_rule_paused(rule_id: str, paused: bool,
                    next_fire_at: datetime.datetime | None) -> dict:
    """Pause or resume a rule, setting its next fire time.

    A paused rule has no next fire time, so no scheduler sees it as due.
    Pausing also cancels its runs that were fired but wait for their
    start time (spreading): the pause comes before they start.

    :raises RuleNotFound: no rule has this id.
    """
    table = models.rules
    now = _utcnow()
    with _writer() as session:
        updated = session.execute(table.update().where(
            table.c.id == rule_id).values(
                paused=paused, next_fire_at=next_fire_at,
                version=table.c.version + 1,
                updated_at=now)).rowcount
        if updated:
            _withdraw_runs_ahead(session, [rule_id], now)
            if paused:
                _cancel_waiting_runs(session, rule_id, now)
    if not updated:
        raise exception.RuleNotFound(rule_id)
    return get_rule(rule_id)


def _withdraw_runs_ahead(session, rule_ids: collections.abc.Sequence[str],
                         now: datetime.datetime) -> int:
    """Delete the pending runs of ``rule_ids`` whose time has not come.

    Schedulers create runs up to ``[scheduler] fire_ahead`` seconds
    before their time; a rule paused or changed meanwhile must not run
    them. Called after the rule rows were updated, so their row locks
    keep schedulers from planning the same rules concurrently. A run
    already claimed is not pending and is left alone.
    """
    runs = models.runs
    withdrawn = 0
    for chunk in _chunks(list(rule_ids)):
        withdrawn += session.execute(runs.delete().where(
            runs.c.rule_id.in_(chunk), runs.c.state == 'pending',
            runs.c.scheduled_for > now)).rowcount
    if withdrawn:
        LOG.info('Withdrew %d runs planned ahead for changed rules',
                 withdrawn)
    return withdrawn


def _cancel_waiting_runs(session, rule_id: str,
                         now: datetime.datetime) -> int:
    """Cancel the pending runs of a rule whose start time has not come.

    They stay on record (their fire time happened) as ``cancelled``; a
    cast of them already on its way finds them claimed by nobody.
    """
    runs = models.runs
    cancelled = session.execute(runs.update().where(
        runs.c.rule_id == rule_id, runs.c.state == 'pending',
        runs.c.scheduled_for <= now, runs.c.start_after > now).values(
            state='cancelled', finished_at=now,
            reason='cancelled: rule paused before the run started')
    ).rowcount
    if cancelled:
        LOG.info('Cancelled %d runs of paused rule %s waiting for their '
                 'start time', cancelled, rule_id)
    return cancelled


# ------------------------------------------------------------------- firing

def earliest_fire_time(buckets: collections.abc.Collection[int] | None
                       ) -> datetime.datetime | None:
    """Return the earliest next fire time of the rules in ``buckets``.

    ``None`` for buckets means all of them. Written as ORDER BY ... LIMIT 1
    so the database walks the next_fire_at index and stops at the first
    row of an owned bucket, whatever the number of rules.
    """
    table = models.rules
    stmt = sa.select(table.c.next_fire_at).where(
        table.c.next_fire_at.is_not(None)).order_by(
            table.c.next_fire_at).limit(1)
    if buckets is not None:
        if not buckets:
            return None
        stmt = stmt.where(table.c.bucket.in_(sorted(buckets)))
    with _reader() as session:
        return session.execute(stmt).scalar()


class FirePlan(typing.NamedTuple):
    """What firing one rule does; built by the scheduler's planner.

    ``runs`` is a sequence of ``(scheduled_for, state, reason)``, or
    ``(scheduled_for, state, reason, start_after)`` for a run not to be
    cast before ``start_after`` (spreading); state is ``pending`` for
    runs to execute or ``skipped`` for recorded misfires.
    """

    next_fire_at: datetime.datetime | None
    runs: list


class LostRace(exception.MigratorSchedulerError):
    """Another scheduler changed a rule being fired; nothing was written."""


_DUE_COLUMNS = ('id', 'bucket', 'trigger_kind', 'trigger_expr', 'timezone',
                'start_at', 'end_at', 'misfire_policy',
                'misfire_grace_time', 'next_fire_at', 'version',
                'spread_window', 'spread_jitter', 'max_runs', 'fired_runs')


@_retry_on_deadlock
def fire_due_rules(buckets: collections.abc.Collection[int] | None,
                   now: datetime.datetime,
                   planner: collections.abc.Callable[[sa.Row], FirePlan],
                   limit: int, horizon: datetime.datetime | None = None,
                   due_by: datetime.datetime | None = None
                   ) -> tuple[int, list[dict]]:
    """Fire the rules of ``buckets`` due by ``horizon``, in one transaction.

    Rows locked by another scheduler are skipped, not waited for: that
    scheduler is firing them. ``planner`` maps each due row to a
    :class:`FirePlan`; it must be pure and fast, and plan up to the same
    ``horizon`` (``now`` when not given, else a little after it: runs
    created ahead of their time). With ``due_by``, only rules whose next
    fire time is that old are taken (a rescue of overdue rules).

    :returns: ``(number of rules fired, pending runs created)``; each run
        is a dict with ``id``, ``rule_id``, ``bucket``, ``scheduled_for``
        and ``start_after``.
    :raises LostRace: a compare-and-swap failed (possible only where the
        backend has no row locks); the whole batch was rolled back.
    """
    rules = models.rules
    until = now if horizon is None else horizon
    if due_by is not None:
        until = min(until, due_by)
    stmt = sa.select(*(rules.c[c] for c in _DUE_COLUMNS)).where(
        rules.c.next_fire_at <= until).order_by(
            rules.c.next_fire_at).limit(limit).with_for_update(
                skip_locked=True)
    if buckets is not None:
        if not buckets:
            return 0, []
        stmt = stmt.where(rules.c.bucket.in_(sorted(buckets)))
    with _writer() as session:
        due = session.execute(stmt).all()
        if not due:
            return 0, []
        plans = [(row, _capped(row, planner(row))) for row in due]
        _advance_rules(session, plans)
        _count_fired(session, plans)
        runs = _new_runs(plans, now)
        try:
            with session.begin_nested():
                for chunk in _chunks(runs):
                    session.execute(models.runs.insert(), chunk)
        except db_exc.DBDuplicateEntry:
            # Only possible when a rule's next fire time was moved back
            # over a time that already has a run; keep the older run.
            runs = _drop_existing_runs(session, runs)
            for chunk in _chunks(runs):
                session.execute(models.runs.insert(), chunk)
    pending = [{'id': r['id'], 'rule_id': r['rule_id'],
                'bucket': r['bucket'], 'scheduled_for': r['scheduled_for'],
                'start_after': r['start_after']}
               for r in runs if r['state'] == 'pending']
    return len(due), pending


def _pending(plan: FirePlan) -> int:
    return sum(1 for run in plan.runs if run[1] == 'pending')


def _capped(row, plan: FirePlan) -> FirePlan:
    """``plan``, cut at the rule's ``max_runs``: no run past the last
    one allowed, and no next fire time once it is reached."""
    if row.max_runs is None:
        return plan
    left = max(0, row.max_runs - row.fired_runs)
    if _pending(plan) < left:
        return plan
    runs, taken = [], 0
    for run in plan.runs:
        if taken == left:
            break
        runs.append(run)
        taken += run[1] == 'pending'
    return FirePlan(None, runs)


def _count_fired(session, plans) -> None:
    """Count the runs created for rules with a ``max_runs``."""
    rules = models.rules
    for row, plan in plans:
        if row.max_runs is not None and _pending(plan):
            session.execute(rules.update().where(
                rules.c.id == row.id).values(
                    fired_runs=rules.c.fired_runs + _pending(plan)))


# Rules advanced to the same times (a burst of one schedule) share one
# UPDATE from this many on; the rest go through one CASE statement.
_SHARED_ADVANCE = 10


def _advance_rules(session, plans) -> None:
    """Move next_fire_at of each planned rule, with compare-and-swap.

    Every statement matches on ``(id, version)`` as read under the row
    lock; unless every planned row was updated, nothing is written.
    """
    groups: dict = collections.defaultdict(list)
    for row, plan in plans:
        last = max(r[0] for r in plan.runs) if plan.runs else None
        groups[(plan.next_fire_at, last)].append((row, plan))
    updated, rest = 0, []
    for (next_fire_at, last), members in groups.items():
        if len(members) < _SHARED_ADVANCE:
            rest.extend(members)
            continue
        for chunk in _chunks(members):
            updated += _advance_shared(session, chunk, next_fire_at, last)
    for chunk in _chunks(rest):
        updated += _advance_each(session, chunk)
    if updated != len(plans):
        raise LostRace(f'{len(plans) - updated} of {len(plans)} '
                       f'rules were changed by another scheduler')


def _advance_shared(session, plans, next_fire_at, last_fire_at) -> int:
    """Advance rules that all move to the same times; return rowcount."""
    rules = models.rules
    values = {'next_fire_at': next_fire_at, 'version': rules.c.version + 1}
    if last_fire_at is not None:
        values['last_fire_at'] = last_fire_at
    return session.execute(rules.update().where(
        sa.tuple_(rules.c.id, rules.c.version).in_(
            [(row.id, row.version) for row, _ in plans])).values(
                **values)).rowcount


def _advance_each(session, plans) -> int:
    """Advance rules to times of their own (CASE); return rowcount."""
    rules = models.rules
    # CAST keeps PostgreSQL from typing an all-NULL CASE as text; SQLite
    # would turn the same CAST into a number, and needs none.
    if session.get_bind().dialect.name == 'sqlite':
        as_datetime = sa.type_coerce
    else:
        as_datetime = sa.cast
    next_case = sa.case(
        {row.id: _utc_param(plan.next_fire_at) for row, plan in plans},
        value=rules.c.id)
    values = {'next_fire_at': as_datetime(next_case, UTCDateTime),
              'version': rules.c.version + 1}
    last_fired = {row.id: _utc_param(max(r[0] for r in plan.runs))
                  for row, plan in plans if plan.runs}
    # A CASE needs a WHEN: when no rule fired (all exhausted or broken),
    # last_fire_at stays as it is.
    if last_fired:
        values['last_fire_at'] = as_datetime(sa.case(
            last_fired, value=rules.c.id, else_=rules.c.last_fire_at),
            UTCDateTime)
    result = session.execute(rules.update().where(
        sa.tuple_(rules.c.id, rules.c.version).in_(
            [(row.id, row.version) for row, _ in plans])).values(**values))
    return result.rowcount


def _new_runs(plans, now: datetime.datetime) -> list[dict]:
    runs = []
    for row, plan in plans:
        for scheduled_for, state, reason, *start in plan.runs:
            skipped = state == 'skipped'
            runs.append({
                'id': str(uuid.uuid4()), 'rule_id': row.id,
                'bucket': row.bucket, 'scheduled_for': scheduled_for,
                'start_after': start[0] if start else None,
                'state': state, 'attempt': 1, 'reason': reason,
                'created_at': now, 'finished_at': now if skipped else None,
            })
    return runs


def _drop_existing_runs(session, runs: list[dict]) -> list[dict]:
    table = models.runs
    existing = set()
    for chunk in _chunks(runs):
        rows = session.execute(sa.select(
            table.c.rule_id, table.c.scheduled_for).where(
                sa.tuple_(table.c.rule_id, table.c.scheduled_for).in_(
                    [(r['rule_id'], r['scheduled_for']) for r in chunk])))
        existing.update((r.rule_id, r.scheduled_for) for r in rows)
    LOG.warning('%d runs already existed and were kept as they were',
                len(existing))
    return [r for r in runs
            if (r['rule_id'], r['scheduled_for']) not in existing]


@_retry_on_deadlock
def mark_dispatched(
        casts: collections.abc.Sequence[
            tuple[collections.abc.Sequence[str], datetime.datetime]],
        fill_claimed: bool = False) -> None:
    """Record casts: ``(run ids, when that cast was made)`` each.

    A pending run gets the time of its latest cast, which the sweep
    measures ``redispatch_after`` from. A run an executor claimed before
    this was written keeps the cast time its claim recorded. With
    ``fill_claimed`` (casts sent as RPC 1.0, which carry no cast time),
    a run claimed without ``dispatched_at`` gets this time here, bounded
    by its start (the hosts' clocks may disagree); that second update
    waits on the executors' own updates of the same rows, so it is made
    only then.
    """
    table = models.runs
    with _writer() as session:
        for run_ids, when in casts:
            no_later_than_start = sa.case(
                (table.c.started_at < _utc_param(when), table.c.started_at),
                else_=_utc_param(when))
            for chunk in _chunks(list(run_ids)):
                session.execute(table.update().where(
                    table.c.id.in_(chunk), table.c.state == 'pending').values(
                        dispatched_at=when))
                if fill_claimed:
                    session.execute(table.update().where(
                        table.c.id.in_(chunk), table.c.state != 'pending',
                        table.c.dispatched_at.is_(None),
                        table.c.started_at.is_not(None)).values(
                            dispatched_at=no_later_than_start))


def runs_to_dispatch(buckets: collections.abc.Collection[int] | None,
                     undispatched_before: datetime.datetime,
                     dispatched_before: datetime.datetime,
                     limit: int,
                     due_by: datetime.datetime | None = None,
                     retry_before: datetime.datetime | None = None
                     ) -> list[dict]:
    """Return pending runs that were never cast, or cast long ago.

    These are runs whose cast was lost: the scheduler died between commit
    and cast, the broker dropped the message, or an executor took it and
    died before claiming it; and retries whose backoff ended by
    ``retry_before`` (default ``undispatched_before``). With ``due_by``,
    only runs due by then: a run planned ahead is cast at its time, a
    spread run at its ``start_after``, not before.
    """
    table = models.runs
    due_at = models.run_due_at()
    if retry_before is None:
        retry_before = undispatched_before
    stmt = sa.select(table.c.id, table.c.rule_id, table.c.bucket,
                     table.c.scheduled_for, table.c.start_after).where(
        table.c.state == 'pending',
        sa.or_(sa.and_(table.c.dispatched_at.is_(None),
                       table.c.retry_at.is_(None),
                       table.c.created_at <= undispatched_before),
               sa.and_(table.c.dispatched_at.is_(None),
                       table.c.retry_at <= retry_before),
               table.c.dispatched_at <= dispatched_before)).order_by(
        due_at).limit(limit)
    if due_by is not None:
        stmt = stmt.where(due_at <= due_by)
    if buckets is not None:
        if not buckets:
            return []
        stmt = stmt.where(table.c.bucket.in_(sorted(buckets)))
    with _reader() as session:
        return [dict(r._mapping) for r in session.execute(stmt)]


@_retry_on_deadlock
def reap_lost_runs(buckets: collections.abc.Collection[int] | None,
                   heartbeat_before: datetime.datetime, max_attempts: int,
                   now: datetime.datetime, limit: int
                   ) -> tuple[list[dict], list[str]]:
    """Handle running runs whose executor stopped heart-beating.

    A run below its rule's ``max_attempts`` (``max_attempts`` where the
    rule sets none) goes back to ``pending`` with its attempt counter
    raised (to be cast again), its lost attempt kept in ``run_attempts``;
    the others end as ``lost``.

    :returns: ``(runs to cast again, ids of runs declared lost)``.
    """
    table, rules = models.runs, models.rules
    stmt = sa.select(table.c.id, table.c.rule_id, table.c.bucket,
                     table.c.scheduled_for, table.c.start_after,
                     table.c.attempt,
                     table.c.claim_token, table.c.executor_host,
                     table.c.started_at, table.c.heartbeat_at,
                     sa.func.coalesce(rules.c.max_attempts,
                                      max_attempts).label('max_attempts')
                     ).join(rules, rules.c.id == table.c.rule_id).where(
        table.c.state == 'running',
        table.c.heartbeat_at < heartbeat_before).limit(
            limit).with_for_update(of=table, skip_locked=True)
    if buckets is not None:
        if not buckets:
            return [], []
        stmt = stmt.where(table.c.bucket.in_(sorted(buckets)))
    retried, lost = [], []
    with _writer() as session:
        for row in session.execute(stmt).all():
            same_claim = sa.and_(table.c.id == row.id,
                                 table.c.state == 'running',
                                 table.c.claim_token == row.claim_token)
            error = 'executor stopped heart-beating'
            if row.attempt < row.max_attempts:
                values = dict(state='pending', attempt=row.attempt + 1,
                              claim_token=None, dispatched_at=None,
                              heartbeat_at=None, started_at=None,
                              executor_host=None,
                              reason='retried: executor lost')
            else:
                values = dict(state='lost', finished_at=now, error=error)
            if session.execute(table.update().where(same_claim).values(
                    **values)).rowcount:
                if values['state'] == 'pending':
                    session.execute(models.run_attempts.insert().values(
                        run_id=row.id, attempt=row.attempt, state='lost',
                        executor_host=row.executor_host,
                        started_at=row.started_at,
                        finished_at=row.heartbeat_at or now, error=error))
                    retried.append({k: row._mapping[k] for k in (
                        'id', 'rule_id', 'bucket', 'scheduled_for',
                        'start_after')})
                else:
                    lost.append(row.id)
    return retried, lost


# ----------------------------------------------------------------- executor

@_retry_on_deadlock
def claim_runs(run_ids: collections.abc.Sequence[str], host: str,
               now: datetime.datetime,
               dispatched_at: datetime.datetime | None = None,
               defaults: admission.Defaults = admission.Defaults()
               ) -> tuple[str, list[dict]]:
    """Atomically move pending runs to running for this executor.

    Runs already claimed (a duplicate message) are left out of the result,
    as are those the rules' overlap policies and concurrency limits keep
    waiting or skip (see :mod:`migrator_scheduler.db.admission`).
    ``dispatched_at``, when the message that started them was cast, is
    recorded with the claim (no later than ``now``: the scheduler's clock
    may be ahead of this host's).

    :returns: ``(claim token, claimed runs with their rule's job)``.
    """
    token = str(uuid.uuid4())
    runs, rules = models.runs, models.rules
    values = dict(state='running', claim_token=token, executor_host=host,
                  started_at=now, heartbeat_at=now)
    if dispatched_at is not None:
        values['dispatched_at'] = min(dispatched_at, now)
    with _writer() as session:
        candidates = session.execute(sa.select(
            runs.c.id, runs.c.rule_id, rules.c.name.label('rule_name'),
            rules.c.project_id, rules.c.job_args, rules.c.overlap_policy,
            rules.c.concurrency_key).join(
                rules, rules.c.id == runs.c.rule_id).where(
                    runs.c.id.in_(list(run_ids)),
                    runs.c.state == 'pending').order_by(
                        runs.c.scheduled_for, runs.c.id)).all()
        if not candidates:
            return token, []
        decisions = admission.decide(session, candidates, defaults)
        admission.apply(session, decisions, now)
        by_key = collections.defaultdict(list)
        for run_id, key in decisions.admitted.items():
            by_key[key].append(run_id)
        for key, ids in by_key.items():
            session.execute(runs.update().where(
                runs.c.id.in_(ids), runs.c.state == 'pending').values(
                    concurrency_key=key, **values))
        rows = session.execute(sa.select(
            runs.c.id, runs.c.rule_id, runs.c.scheduled_for,
            runs.c.attempt, runs.c.started_at,
            rules.c.name.label('rule_name'), rules.c.project_id,
            rules.c.job_type, rules.c.job_args, rules.c.job_timeout,
            rules.c.max_attempts, rules.c.retry_delay,
            rules.c.retry_max_delay).join(
                rules, rules.c.id == runs.c.rule_id).where(
                    runs.c.id.in_(list(run_ids)),
                    runs.c.claim_token == token)).all()
    claimed = []
    for row in rows:
        run = dict(row._mapping)
        run['job_args'] = json.loads(run['job_args'])
        claimed.append(run)
    return token, claimed


def claim_is_valid(run_id: str, claim_token: str) -> bool:
    """True while the run is running under this claim: not reaped as
    lost and handed to another attempt (fencing of side effects)."""
    table = models.runs
    with _reader() as session:
        return session.execute(sa.select(table.c.id).where(
            table.c.id == run_id, table.c.claim_token == claim_token,
            table.c.state == 'running')).first() is not None


def cancel_requested(run_ids: collections.abc.Collection[str]
                     ) -> list[str]:
    """The runs among ``run_ids`` someone asked to cancel."""
    table = models.runs
    found = []
    with _reader() as session:
        for chunk in _chunks(sorted(run_ids)):
            found.extend(session.execute(sa.select(table.c.id).where(
                table.c.id.in_(chunk), table.c.state == 'running',
                table.c.cancel_requested_at.is_not(None))).scalars())
    return found


@_retry_on_deadlock
def heartbeat_runs(run_ids: collections.abc.Collection[str],
                   now: datetime.datetime) -> int:
    """Refresh the heartbeat of running runs; returns rows touched."""
    table = models.runs
    touched = 0
    with _writer() as session:
        for chunk in _chunks(sorted(run_ids)):
            touched += session.execute(table.update().where(
                table.c.id.in_(chunk), table.c.state == 'running').values(
                    heartbeat_at=now)).rowcount
    return touched


@_retry_on_deadlock
def finish_run(run_id: str, claim_token: str, state: str,
               now: datetime.datetime, result: str | None = None,
               error: str | None = None) -> bool:
    """Record the outcome of a run this executor claimed.

    :returns: False when the claim is no longer ours (the run was reaped
        as lost and handed to another attempt); nothing is written then.
    """
    table = models.runs
    with _writer() as session:
        return bool(session.execute(table.update().where(
            table.c.id == run_id, table.c.claim_token == claim_token,
            table.c.state == 'running').values(
                state=state, finished_at=now, result=result,
                error=error)).rowcount)


def run_now(rule: dict, now: datetime.datetime,
            request_key: str | None = None) -> tuple[dict, bool]:
    """Create a manual run of ``rule``; see
    :func:`migrator_scheduler.db.manual_runs.run_now`."""
    return manual_runs.run_now(rule, now, request_key)


def backfill(rule: dict, times: collections.abc.Sequence[datetime.datetime],
             now: datetime.datetime) -> list[datetime.datetime]:
    """Create the missing runs of ``rule`` at ``times``; see
    :func:`migrator_scheduler.db.manual_runs.backfill`."""
    return manual_runs.backfill(rule, times, now)


def set_concurrency_limit(key: str, max_running: int | None) -> None:
    """Set the limit of a concurrency key (None: the default)."""
    with _writer() as session:
        admission.set_limit(session, key, max_running, _utcnow())


def list_concurrency_limits() -> list[dict]:
    """Return every known concurrency key with its limit and use."""
    with _reader() as session:
        return admission.list_limits(session)


def promote_waiting(buckets: collections.abc.Collection[int] | None,
                    now: datetime.datetime, limit: int,
                    defaults: admission.Defaults = admission.Defaults(),
                    due_by: datetime.datetime | None = None
                    ) -> list[dict]:
    """Make pending the waiting runs of ``buckets`` (every bucket: None)
    that could start now (with ``due_by``, only runs scheduled by then);
    return them, to be cast.

    Runs waiting for the end of a run of their rule, or for a slot of
    their concurrency key, are made pending by the executor that ends
    that run; this catches what a race or a lost executor left waiting.
    """
    runs = models.runs
    stmt = sa.select(runs.c.rule_id, runs.c.concurrency_key).where(
        runs.c.state == 'waiting').order_by(runs.c.scheduled_for).limit(
            limit)
    if due_by is not None:
        stmt = stmt.where(runs.c.scheduled_for <= due_by)
    if buckets is not None:
        if not buckets:
            return []
        stmt = stmt.where(runs.c.bucket.in_(sorted(buckets)))
    with _writer() as session:
        rows = session.execute(stmt).all()
        if not rows:
            return []
        return admission.promote(
            session, {row.rule_id for row in rows},
            {row.concurrency_key for row in rows if row.concurrency_key},
            now, defaults)


@_retry_on_deadlock
def finish_runs(outcomes: collections.abc.Sequence[dict],
                defaults: admission.Defaults | None = None,
                promoted: list[dict] | None = None) -> list[str]:
    """Record the outcomes of several runs in one transaction.

    Each outcome is a dict with ``id``, ``claim_token``, ``state``,
    ``finished_at``, ``result`` and ``error``, and is written only where
    the claim is still ours, as :func:`finish_run` does. An outcome with
    a ``retry_at`` ends only its attempt: the run goes back to pending
    for another attempt from then on. Outcomes alike
    (same state, result and error: typically every success) share one
    statement and the latest of their finish times.

    With ``defaults``, runs waiting for the end of these (a run of the
    same rule, or a slot of the same concurrency key) are made pending in
    the same transaction and appended to ``promoted``, for the caller to
    start (see :mod:`migrator_scheduler.db.admission`).

    :returns: the ids of the runs whose outcome was recorded.
    """
    table = models.runs
    groups: dict = collections.defaultdict(list)
    retries = []
    for item in outcomes:
        if item.get('retry_at') is not None:
            retries.append(item)
        else:
            groups[(item['state'], item['result'], item['error'])].append(
                item)
    recorded = []
    with _writer() as session:
        recorded.extend(item['id'] for item in retries
                        if _retry_run(session, item))
        for (state, result, error), items in groups.items():
            for chunk in _chunks(items):
                claims = [(i['id'], i['claim_token']) for i in chunk]
                updated = session.execute(table.update().where(
                    sa.tuple_(table.c.id, table.c.claim_token).in_(claims),
                    table.c.state == 'running').values(
                        state=state, result=result, error=error,
                        finished_at=max(i['finished_at'] for i in chunk))
                ).rowcount
                if updated == len(chunk):
                    recorded.extend(i['id'] for i in chunk)
                else:
                    recorded.extend(_claims_in_state(session, claims, state))
        found = []
        if defaults is not None and recorded:
            found = _promote_after(session, recorded, defaults)
    if promoted is not None:
        promoted.extend(found)
    return recorded


def _promote_after(session, ended: list[str],
                   defaults: admission.Defaults) -> list[dict]:
    """Promote the runs waiting for the runs ``ended``."""
    runs = models.runs
    # Almost always nothing waits: one read of the state index says so.
    if session.execute(sa.select(runs.c.id).where(
            runs.c.state == 'waiting').limit(1)).first() is None:
        return []
    rule_ids, keys = set(), set()
    for chunk in _chunks(ended):
        for row in session.execute(sa.select(
                runs.c.rule_id, runs.c.concurrency_key).where(
                    runs.c.id.in_(chunk))):
            rule_ids.add(row.rule_id)
            if row.concurrency_key:
                keys.add(row.concurrency_key)
    return admission.promote(session, rule_ids, keys, _utcnow(), defaults)


def _retry_run(session, outcome: dict) -> bool:
    """Keep the attempt of ``outcome`` in ``run_attempts`` and make its
    run pending again, to be cast at ``outcome['retry_at']``."""
    table = models.runs
    claim = sa.and_(table.c.id == outcome['id'],
                    table.c.claim_token == outcome['claim_token'],
                    table.c.state == 'running')
    session.execute(models.run_attempts.insert().from_select(
        ['run_id', 'attempt', 'state', 'executor_host', 'started_at',
         'finished_at', 'error'],
        sa.select(table.c.id, table.c.attempt,
                  sa.bindparam(None, outcome['state'], type_=sa.String),
                  table.c.executor_host, table.c.started_at,
                  _utc_param(outcome['finished_at']),
                  sa.bindparam(None, outcome['error'], type_=sa.Text)
                  ).where(claim)))
    return bool(session.execute(table.update().where(claim).values(
        state='pending', attempt=table.c.attempt + 1, claim_token=None,
        executor_host=None, dispatched_at=None, started_at=None,
        heartbeat_at=None, finished_at=None, result=None,
        error=outcome['error'], retry_at=outcome['retry_at'],
        reason=f'retried: {outcome["state"]}')).rowcount)


def list_attempts(run_id: str) -> list[dict]:
    """Return the earlier attempts of a run, oldest first (its latest
    attempt is the run itself)."""
    table = models.run_attempts
    with _reader() as session:
        return [dict(r._mapping) for r in session.execute(
            sa.select(table).where(table.c.run_id == run_id).order_by(
                table.c.attempt))]


def _claims_in_state(session, claims, state: str) -> list[str]:
    """Ids of the runs still claimed as in ``claims`` and in ``state``."""
    table = models.runs
    return list(session.execute(sa.select(table.c.id).where(
        sa.tuple_(table.c.id, table.c.claim_token).in_(claims),
        table.c.state == state)).scalars())


# ---------------------------------------------------------------- reporting

def list_runs(rule_id: str | None = None, state: str | None = None,
              limit: int = 100) -> list[dict]:
    """Return runs, newest nominal time first (see also
    :func:`find_runs`, with more filters and paging)."""
    table = models.runs
    stmt = sa.select(table).order_by(
        table.c.scheduled_for.desc()).limit(limit)
    if rule_id is not None:
        stmt = stmt.where(table.c.rule_id == rule_id)
    if state is not None:
        stmt = stmt.where(table.c.state == state)
    with _reader() as session:
        return [dict(r._mapping) for r in session.execute(stmt)]


def due_backlog_by_bucket(now: datetime.datetime) -> dict[int, int]:
    """Return ``{bucket: number of rules due at now}`` for non-empty ones."""
    table = models.rules
    stmt = sa.select(table.c.bucket, sa.func.count()).where(
        table.c.next_fire_at <= now).group_by(table.c.bucket)
    with _reader() as session:
        return {bucket: count for bucket, count in session.execute(stmt)}


def run_counts_by_state() -> dict[str, int]:
    """Return ``{state: number of runs}``."""
    table = models.runs
    stmt = sa.select(table.c.state, sa.func.count()).group_by(
        table.c.state)
    with _reader() as session:
        return {state: count for state, count in session.execute(stmt)}


# --------------------------------------------------------------- schedulers

database_time = schedulers_db.database_time
report_scheduler = schedulers_db.report_scheduler
remove_scheduler = schedulers_db.remove_scheduler
purge_schedulers = schedulers_db.purge_schedulers
list_schedulers = schedulers_db.list_schedulers
overdue_summary = schedulers_db.overdue_summary


# --------------------------------------------------------------- run ledger

find_runs = ledger.find_runs
get_run = ledger.get_run
count_purgeable_runs = ledger.count_purgeable_runs
purge_runs = ledger.purge_runs
claim_purge = ledger.claim_purge
PurgeClaim = ledger.PurgeClaim
